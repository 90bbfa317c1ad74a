import fs from 'node:fs'
import type { Config } from '../config.ts'
import { ConfigError } from '../config.ts'
import { readOperatorToken } from '../domains/emulator/operator-token.ts'

export const emulatorUsage = `walletd emulator <control> … [--url <base url>]   (development profile; a running walletd)
  clock                              show walletd's time
  clock advance <seconds>            move it forward
  clock set <ISO time>               set it
  mailbox [to=<address>] [limit=<n>] the mail walletd sent, newest first
  mailbox clear                      empty the mailbox
  faults                             list the faults
  faults add '<json>'                add one ({"route","method?","orgId?","status|delayMs|policyPending",…})
  faults remove <faultId>            remove one
  faults clear                       remove all
  journal [route=…] [status=…] [orgId=…] [since=…] [until=…] [limit=…]
                                     requests and responses, secrets redacted
  journal clear                      empty the journal
  seed <file.json>                   apply a seed
  reset [seed|empty]                 back to the seed (default when one was applied) or to empty
  snapshots                          list the snapshots
  snapshot save|restore|delete <name>
The operator token is read from WALLETD_OPERATOR_TOKEN, else <data-dir>/operator-token.`

interface Call {
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  body?: unknown
}

/** `k=v` arguments as a query string (only on reads). */
function query(args: string[]): string {
  const params = new URLSearchParams()
  for (const arg of args) {
    const eq = arg.indexOf('=')
    if (eq <= 0) throw new ConfigError(`expected key=value, got ${JSON.stringify(arg)}`)
    params.append(arg.slice(0, eq), arg.slice(eq + 1))
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}

function json(text: string | undefined, what: string): unknown {
  if (text === undefined) throw new ConfigError(`${what} is missing`)
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new ConfigError(`${what} is not JSON: ${(err as Error).message}`)
  }
}

/** The HTTP call a `walletd emulator …` command line stands for. */
export function emulatorCall(args: string[]): Call {
  const [control, sub, ...more] = args
  const rest = sub === undefined ? [] : [sub, ...more]
  switch (control) {
    case 'clock':
      if (sub === undefined) return { method: 'GET', path: '/emulator/clock' }
      if (sub === 'advance' && more.length === 1) {
        return { method: 'POST', path: '/emulator/clock', body: { advanceSeconds: Number(more[0]) } }
      }
      if (sub === 'set' && more.length === 1)
        return { method: 'POST', path: '/emulator/clock', body: { setTo: more[0] } }
      break
    case 'mailbox':
      if (sub === 'clear' && more.length === 0) return { method: 'DELETE', path: '/emulator/mailbox' }
      return { method: 'GET', path: `/emulator/mailbox${query(rest)}` }
    case 'faults':
      if (sub === undefined) return { method: 'GET', path: '/emulator/faults' }
      if (sub === 'add' && more.length === 1) {
        return { method: 'POST', path: '/emulator/faults', body: json(more[0], 'the fault') }
      }
      if (sub === 'remove' && more.length === 1) {
        return { method: 'DELETE', path: `/emulator/faults/${encodeURIComponent(more[0]!)}` }
      }
      if (sub === 'clear' && more.length === 0) return { method: 'DELETE', path: '/emulator/faults' }
      break
    case 'journal':
      if (sub === 'clear' && more.length === 0) return { method: 'DELETE', path: '/emulator/journal' }
      return { method: 'GET', path: `/emulator/journal${query(rest)}` }
    case 'seed':
      if (sub !== undefined && more.length === 0) {
        return { method: 'POST', path: '/emulator/seed', body: json(fs.readFileSync(sub, 'utf8'), sub) }
      }
      break
    case 'reset':
      if (sub === undefined) return { method: 'POST', path: '/emulator/reset' }
      if ((sub === 'seed' || sub === 'empty') && more.length === 0) {
        return { method: 'POST', path: '/emulator/reset', body: { to: sub } }
      }
      break
    case 'snapshots':
      if (sub === undefined) return { method: 'GET', path: '/emulator/snapshots' }
      break
    case 'snapshot': {
      const name = more[0]
      if (more.length !== 1 || name === undefined) break
      if (sub === 'save') return { method: 'POST', path: '/emulator/snapshots', body: { name } }
      const at = `/emulator/snapshots/${encodeURIComponent(name)}`
      if (sub === 'restore') return { method: 'POST', path: `${at}/restore` }
      if (sub === 'delete') return { method: 'DELETE', path: at }
      break
    }
  }
  throw new ConfigError(`unknown emulator command: ${args.join(' ') || '(none)'}\n\n${emulatorUsage}`)
}

/**
 * `walletd emulator …`: each control over HTTP against the running walletd, with the operator
 * token. Prints the JSON answer; an error answer goes to stderr and exits 1.
 */
export async function runEmulatorCommand(
  config: Config,
  args: string[],
  options: { url?: string },
): Promise<number> {
  const call = emulatorCall(args)
  const token = readOperatorToken(config)
  const base = (options.url ?? config.publicUrl).replace(/\/+$/, '')
  let res: Response
  try {
    res = await fetch(`${base}${call.path}`, {
      method: call.method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
    })
  } catch (err) {
    process.stderr.write(`cannot reach walletd at ${base}: ${(err as Error).message}\n`)
    return 1
  }
  const text = await res.text()
  const pretty = text ? `${JSON.stringify(JSON.parse(text), null, 2)}\n` : ''
  if (!res.ok) {
    process.stderr.write(pretty || `HTTP ${res.status}\n`)
    return 1
  }
  process.stdout.write(pretty)
  return 0
}
