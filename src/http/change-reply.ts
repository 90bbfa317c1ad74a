import type { FastifyReply } from 'fastify'

/**
 * What a change that policies may govern produced: applied now, or a change request waiting for
 * approval. Permission, assignment and policy changes all answer with it.
 */
export type ChangeOutcome<T, C = unknown> =
  | { readonly kind: 'Applied'; readonly value: T }
  | { readonly kind: 'Pending'; readonly changeRequest: C }

/** 200 with the entity, or 202 with the change request as the body (the SDK raises PolicyPendingError). */
export function sendChange<T, C>(reply: FastifyReply, outcome: ChangeOutcome<T, C>) {
  if (outcome.kind === 'Pending') return reply.code(202).send(outcome.changeRequest)
  return reply.send(outcome.value)
}
