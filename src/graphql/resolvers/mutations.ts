/** Mutation root: thin over the application's command handlers (src/application/commands). */
import { DomainError } from '../../domain/errors';

const notYet = () => { throw new DomainError('BAD_USER_INPUT', 'not yet available'); };

export const mutationResolvers: Record<string, (...args: any[]) => unknown> = {
  commit: notYet,
  upgrade: notYet,
  tagImage: notYet,
  untag: notYet,
  removeImage: notYet,
};
