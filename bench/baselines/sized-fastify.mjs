// A second baseline for walletd's trivial route: bare fastify carrying walletd's route set (the
// "METHOD /path" keys of a JSON file), each answering a constant, inside one encapsulated context
// with as many no-op hooks as walletd's API pipeline; GET /healthz sits outside it, as in walletd.
// It separates what a large app costs fastify's request path from what walletd's code adds.
// Usage: node sized-fastify.mjs <port> <routes.json>
import fs from 'node:fs'
import Fastify from 'fastify'

const routes = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'))
const app = Fastify({ logger: false })
await app.register(async (api) => {
  for (const hook of [
    'onRequest',
    'onRequest',
    'onRequest',
    'preValidation',
    'preValidation',
    'preValidation',
  ]) {
    api.addHook(hook, async () => {})
  }
  api.addHook('onSend', async (_request, _reply, payload) => payload)
  for (const key of routes) {
    const [method, url] = key.split(' ')
    api.route({ method, url, handler: async () => ({ ok: true }) })
  }
})
app.get('/healthz', async () => ({ status: 'ok' }))
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) })
process.once('SIGTERM', () => app.close().then(() => process.exit(0)))
