#!/usr/bin/env node
// walletd's command line. The sources are TypeScript, loaded through tsx (which caches compiled
// files), so there is no build step between `npm install` and `walletd start`.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/main.ts')
process.exitCode = await main(process.argv.slice(2))
