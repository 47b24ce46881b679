// Preloaded into the service (`node --import`) by bench/profile.mjs, never in production.
// SIGWINCH, because Nest's shutdown hooks take SIGUSR2 and most others. The first SIGWINCH starts V8's sampling CPU profiler, the second writes the profile to
// $BENCH_PROFILE_OUT, so the profile covers the load only, not the start-up. (`node --cpu-prof`
// would cover start-up too, and writes nothing when Nest's shutdown hook re-raises SIGTERM.)
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const out = process.env.BENCH_PROFILE_OUT;
const intervalInMicroseconds = Number(process.env.BENCH_PROFILE_INTERVAL_US ?? 250);

if (out) {
  const session = new Session();
  session.connect();
  let running = false;
  const post = (method, params) =>
    new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  process.on('SIGWINCH', async () => {
    try {
      if (!running) {
        running = true;
        await post('Profiler.enable');
        await post('Profiler.setSamplingInterval', { interval: intervalInMicroseconds });
        await post('Profiler.start');
        writeFileSync(`${out}.started`, '');
      } else {
        const { profile } = await post('Profiler.stop');
        running = false;
        writeFileSync(out, JSON.stringify(profile));
      }
    } catch (err) {
      process.stderr.write(`profile-hook: ${err.message}\n`);
    }
  });
}
