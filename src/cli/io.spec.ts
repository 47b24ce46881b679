import { describe, expect, it } from '@jest/globals';
import { cell, table } from './io.js';

describe('table output', () => {
  it('pads every column but the last to its widest cell, two spaces apart', () => {
    expect(table(['ID', 'STATUS', 'LAST ERROR'], [['a1', 'dead', 'boom'], ['b', 'succeeded', '-']])).toBe(['ID  STATUS     LAST ERROR', 'a1  dead       boom', 'b   succeeded  -'].join('\n'));
  });

  it('puts a cell on one line, shortened with an ellipsis, and shows a missing value as -', () => {
    expect(cell('line one\n  line two')).toBe('line one line two');
    expect(cell('abcdefghij', 5)).toBe('abcd…');
    expect(cell(undefined)).toBe('-');
    expect(cell(3)).toBe('3');
  });
});
