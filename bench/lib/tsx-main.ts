// Runs walletd's CLI straight from the TypeScript sources through tsx's loader hooks, the way
// bin/walletd.js did before it loaded a bundle; the startup case measures both.
import { main } from '../../src/main.ts'

process.exitCode = await main(process.argv.slice(2))
