import { systemClock } from '../clock.ts'
import type { Config } from '../config.ts'
import { findFloodRowsBefore, findRecordedError } from '../http/error-recorder.ts'
import { ErrorIdGenerator } from '../ids.ts'
import { openForCommand } from './master-key.ts'

/**
 * `walletd errors show <error id>`: the recorded error behind an id a client was answered with, or,
 * when none is stored, why (not an id, past the retention, another deployment, folded into a flood).
 */
export async function runErrorsCommand(
  config: Config,
  args: string[],
  flags: { json: boolean },
): Promise<number> {
  const [sub, id] = args
  if (sub !== 'show' || !id) {
    process.stderr.write('usage: walletd errors show <error id>\n')
    return 2
  }
  const { database } = await openForCommand(config, { needsKey: false, now: systemClock.now() })
  try {
    const row = await findRecordedError(database.db, id)
    if (!row) {
      const when = ErrorIdGenerator.timeOf(id)
      if (!when) {
        process.stderr.write(`error ${id} not found: that is not a walletd error id (a decimal number).\n`)
        return 1
      }
      process.stderr.write(
        `error ${id} not found. That id was issued at ${when.toISOString()}. It is older than the retention ` +
          `(${config.errorRetentionDays} days), was not raised by a node using this database, or was one of ` +
          'a flood of client errors folded into one row. The server log has every error by its id.\n',
      )
      for (const flood of await findFloodRowsBefore(database.db, when)) {
        process.stderr.write(
          `  possibly folded into ${flood.id}: ${flood.status} ${flood.code} ${flood.method} ${flood.path} ` +
            `at ${flood.date_created}, ${flood.suppressed} similar errors not recorded\n`,
        )
      }
      return 1
    }
    const record = {
      id: row.id,
      status: row.status,
      code: row.code,
      time: row.date_created,
      request: `${row.method} ${row.path}`,
      requestId: row.request_id,
      orgId: row.org_id,
      callerId: row.caller_id,
      message: row.message,
      details: JSON.parse(row.details),
      cause: row.cause,
      similarErrorsNotRecorded: row.suppressed,
    }
    if (flags.json) process.stdout.write(`${JSON.stringify(record, null, 2)}\n`)
    else {
      for (const [k, v] of Object.entries(record)) {
        if (v === null || v === 0) continue
        const text = typeof v === 'string' ? v : JSON.stringify(v)
        process.stdout.write(`${k.padEnd(26)}${text}\n`)
      }
    }
    return 0
  } finally {
    await database.close()
  }
}
