import type { FastifyInstance } from 'fastify'
import { AppError } from '../errors.ts'
import type { Caller } from './context.ts'

/**
 * Step 6 of the pipeline: the caller's assigned operations must cover the route's operation
 * (src/http/route-table.ts), else 403 in the Dfns shape
 * `<Kind> <id> is not authorized to perform operation (<Op>)`.
 *
 * Runs in preValidation after the user-action check, so an unsigned write is refused for its
 * missing signature first, as Dfns does. Extra operations a particular body needs (e.g.
 * `Wallets:Tags:Add` when a wallet is created with tags) are checked by the domain with
 * `requireOperation`.
 */
export interface OperationSource {
  /** The current-name operations the caller holds (union over assignments; PATs: ∩ their user's). */
  operationsOf(caller: Caller): Promise<ReadonlySet<string>>
}

export function notAuthorized(caller: Caller, operation: string): AppError {
  // A PAT holds its own assignments: name the PAT, as Dfns does, when it is the one refused.
  const isPat = caller.tokenKind === 'Pat'
  const id = isPat ? caller.tokenId : caller.userId
  const label = isPat ? 'Pat' : caller.kind
  return new AppError('forbidden', `${label} ${id} is not authorized to perform operation (${operation})`, {
    details: { operation, identityId: id, kind: label },
  })
}

export async function requireOperation(
  source: OperationSource,
  caller: Caller,
  operation: string,
): Promise<void> {
  const held = await source.operationsOf(caller)
  if (!held.has(operation)) throw notAuthorized(caller, operation)
}

export function installPermissionGuard(app: FastifyInstance, source: OperationSource): void {
  app.addHook('preValidation', async (request) => {
    const operation = request.routeRule?.operation
    if (!operation || !request.caller) return
    await requireOperation(source, request.caller, operation)
  })
}
