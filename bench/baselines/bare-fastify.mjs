// The baseline for walletd's trivial route: fastify with default options and nothing else,
// answering GET /healthz with the same JSON walletd returns. Usage: node bare-fastify.mjs <port>
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/healthz', async () => ({ status: 'ok' }))
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) })
process.once('SIGTERM', () => app.close().then(() => process.exit(0)))
