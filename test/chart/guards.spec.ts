/**
 * Values the schema cannot judge alone: the chart refuses to render them, with a message that says
 * why and what to do.
 */
import { describe, expect, it } from '@jest/globals';
import { findOne, helmTemplate, helmTemplateRaw } from './helm.js';

const REDIS = { 'store.driver': 'redis', 'store.redis.url': 'redis://redis:6379/0' };

describe('several replicas need the shared store', () => {
  it.each([
    ['replicaCount=2 with sqlite', { replicaCount: 2 }],
    ['replicaCount=3 with memory', { replicaCount: 3, 'store.driver': 'memory' }],
    ['autoscaling with sqlite', { 'autoscaling.enabled': true }],
    ['autoscaling with memory', { 'autoscaling.enabled': true, 'store.driver': 'memory' }],
  ])('refuses %s, saying why', (_label, set) => {
    const result = helmTemplateRaw([], set);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/needs a shared store/);
    expect(result.stderr).toMatch(/store\.driver=redis/);
    expect(result.stderr).toMatch(/private inbox and idempotency set/);
    expect(result.stderr).toMatch(/handlers twice/);
  });

  it('renders several replicas with store.driver=redis', () => {
    const docs = helmTemplate([], { replicaCount: 3, ...REDIS });
    expect(findOne(docs, 'Deployment').spec.replicas).toBe(3);
    expect(findOne(docs, 'ConfigMap').data.STORE_DRIVER).toBe('redis');
    const redisUrl = Buffer.from(findOne(docs, 'Secret').data.REDIS_URL, 'base64').toString();
    expect(redisUrl).toBe('redis://redis:6379/0');
  });

  it('renders autoscaling with store.driver=redis', () => {
    const docs = helmTemplate([], { 'autoscaling.enabled': true, ...REDIS });
    expect(findOne(docs, 'HorizontalPodAutoscaler').spec.minReplicas).toBe(2);
  });

  it('takes REDIS_URL from an existingSecret too', () => {
    const docs = helmTemplate([], { replicaCount: 2, 'store.driver': 'redis', 'secrets.existingSecret': 'creds' });
    expect(findOne(docs, 'Deployment').spec.replicas).toBe(2);
  });

  it('keeps a single replica on the embedded store', () => {
    expect(findOne(helmTemplate([], { replicaCount: 1 }), 'Deployment').spec.replicas).toBe(1);
  });

  it('refuses redis without a REDIS_URL', () => {
    const result = helmTemplateRaw([], { 'store.driver': 'redis' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/store\.driver=redis needs a REDIS_URL/);
  });

  it('refuses store.redis.url together with an existingSecret, which would drop it', () => {
    const result = helmTemplateRaw([], { ...REDIS, 'secrets.existingSecret': 'creds' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/put REDIS_URL in the existing Secret/);
  });

  it('refuses several replicas sharing a ReadWriteOnce data volume', () => {
    const result = helmTemplateRaw([], { replicaCount: 2, ...REDIS, 'persistence.enabled': true });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/ReadWriteOnce/);
  });

  it('refuses minReplicas above maxReplicas', () => {
    const result = helmTemplateRaw([], {
      ...REDIS,
      'autoscaling.enabled': true,
      'autoscaling.minReplicas': 5,
      'autoscaling.maxReplicas': 2,
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/minReplicas/);
  });
});

describe('the termination grace period outlasts the drain', () => {
  it.each([
    ['equal to the drain', { terminationGracePeriodSeconds: 10 }],
    ['shorter than the default drain', { terminationGracePeriodSeconds: 5 }],
    ['shorter than a raised drain', { 'config.shutdownGraceMs': 40000 }],
  ])('refuses a grace period %s', (_label, set) => {
    const result = helmTemplateRaw([], set);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/terminationGracePeriodSeconds \(\d+ s\) must be longer than .*shutdownGraceMs \(\d+ ms\)/);
  });

  it('accepts a grace period just longer than the drain', () => {
    const docs = helmTemplate([], { terminationGracePeriodSeconds: 11 });
    expect(findOne(docs, 'Deployment').spec.template.spec.terminationGracePeriodSeconds).toBe(11);
  });
});
