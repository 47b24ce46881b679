// The naive receiver from OpenRegister's webhook guide: Express with express.json(), a POST route
// that reads `event` and `data.object.uuid` and answers JSON. No signature check, no validation,
// no deduplication, nothing stored: it only shows what the simplest receiver costs.
// Anchor for the benchmark; not part of the service.
import express from 'express';

const port = Number(process.env.PORT ?? 3001);
const app = express();
// The default limit (100kb) would refuse the 1 MB case; the service's default limit is 5mb.
app.use(express.json({ limit: '5mb' }));

app.post('/webhooks/openregister', (req, res) => {
  const { event, data } = req.body ?? {};
  // The guide's shape has `data.object.uuid`; the real sender puts the uuid in `data.object.id`.
  const uuid = data?.object?.uuid ?? data?.object?.id;
  res.json({ received: true, event, uuid });
});

app.listen(port, '127.0.0.1', () => {
  process.stdout.write(`naive-express listening on 127.0.0.1:${port}\n`);
});
