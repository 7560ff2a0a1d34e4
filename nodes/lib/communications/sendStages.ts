/**
 * Sends the due stages of users through a provider, never twice: each stage is claimed in the send ledger before the
 * provider is called, and recorded sent after its answer. Claims have an owner and an expiry: a stage another live
 * run holds is skipped, and one held by a run that died on this host (kill -9) or whose claim expired is taken over
 * and sent again with the same idempotency key (see the providers for what each does with a repeat). While a stage is
 * being sent its claim is kept alive (renewed every third of its lifetime, and before each request and each wait of
 * the provider), since one request may wait out 429s for longer than the claim lasts; a claim found taken over all
 * the same (this process stalled past its expiry) stops the send before its next request.
 */
import type {
	CommunicationClaim,
	CommunicationClaimAttempt,
	CommunicationRecord,
	CommunicationStore,
} from '../ledger/communications';
import { describeOwner, isDeadLocalOwner } from '../migration/owner';
import { idempotencyKeyOf } from './idempotencyKey';
import { ProviderError, type CommunicationProvider, type OutgoingMessage } from './provider';

/** The stage's claim passed to another run while this one was sending it. */
class ClaimTakenOverError extends Error {
	constructor() {
		super('the claim on this stage was taken over by another run');
		this.name = 'ClaimTakenOverError';
	}
}

/** A claim kept alive while its stage is sent; `lostSignal` aborts once it is found taken over. */
class KeptClaim {
	private readonly lost = new AbortController();
	private readonly timer: NodeJS.Timeout;

	constructor(
		private readonly store: CommunicationStore,
		private claim: CommunicationClaim,
		private readonly ttlMs: number,
	) {
		// A failed renewal in the background (a busy ledger) is tried again on the next tick or step.
		this.timer = setInterval(() => void this.renew().catch(() => undefined), ttlMs / 3);
		this.timer.unref();
	}

	get current(): CommunicationClaim {
		return this.claim;
	}

	get lostSignal(): AbortSignal {
		return this.lost.signal;
	}

	/** Renews the claim, or throws once it is another run's. */
	readonly confirm = async (): Promise<void> => {
		if (!(await this.renew())) throw new ClaimTakenOverError();
	};

	stop(): void {
		clearInterval(this.timer);
	}

	private async renew(): Promise<boolean> {
		if (this.lost.signal.aborted) return false;
		const renewed = await this.store.renewCommunicationClaim(this.claim, this.ttlMs);
		if (renewed) this.claim = renewed;
		else this.lost.abort();
		return renewed !== null;
	}
}

/** How long a claim keeps other runs off a stage without renewal: after a crash, the next run waits this long. */
export const DEFAULT_CLAIM_TTL_MS = 10 * 60_000;

export type StageOutcome =
	| {
			status: 'sent';
			reference: string | null;
			/** The provider had it already: an earlier try got through before its run could record it. */
			duplicate: boolean;
			attempt: number;
			waits: number;
			sentAt: string;
	  }
	| { status: 'already sent'; reference: string | null; sentAt: string | null }
	| { status: 'skipped'; reason: string }
	| { status: 'failed'; error: string; providerAnswer: string };

export interface StageClaimOptions {
	owner: string;
	claimTtlMs: number;
	scheduledFor: string | null;
}

/** The message's ledger key and idempotency key. */
export function keysOf(message: Pick<OutgoingMessage, 'migrationId' | 'recipient' | 'stage'>) {
	const key = {
		migrationId: message.migrationId,
		recipient: message.recipient,
		stage: message.stage,
	};
	return { key, idempotencyKey: idempotencyKeyOf(key) };
}

/** Claims a stage, taking over the claim of a holder that died on this host. */
export async function claimStage(
	store: CommunicationStore,
	message: Pick<OutgoingMessage, 'migrationId' | 'recipient' | 'stage'>,
	options: StageClaimOptions,
): Promise<CommunicationClaimAttempt> {
	const { key, idempotencyKey } = keysOf(message);
	const request = {
		...key,
		idempotencyKey,
		owner: options.owner,
		ttlMs: options.claimTtlMs,
		scheduledFor: options.scheduledFor,
	};
	const attempt = await store.claimCommunication(request);
	if (!attempt.claimed && 'heldBy' in attempt && isDeadLocalOwner(attempt.heldBy)) {
		return await store.claimCommunication({ ...request, replacing: attempt.heldBy });
	}
	return attempt;
}

/** The outcome of a claim that was refused: sent before, or held by a live run. */
export function refusedOutcome(
	attempt: Exclude<CommunicationClaimAttempt, { claimed: true }>,
): StageOutcome {
	if ('sent' in attempt) return alreadySent(attempt.sent);
	return {
		status: 'skipped',
		reason: `being sent by another run (${describeOwner(attempt.heldBy)}), whose claim lasts until ${attempt.expiresAt}`,
	};
}

/** A send stopped because another run took the stage over: what that run has made of it so far. */
async function takenOverOutcome(
	store: CommunicationStore,
	message: Pick<OutgoingMessage, 'migrationId' | 'recipient' | 'stage'>,
): Promise<StageOutcome> {
	const record = await store.getCommunication(keysOf(message).key);
	if (record?.status === 'sent') return alreadySent(record);
	return {
		status: 'skipped',
		reason: `being sent by another run (${describeOwner(record?.owner ?? 'unknown')}), which took the claim over while this run was sending; stopped before its next request`,
	};
}

function alreadySent(record: CommunicationRecord): StageOutcome {
	return { status: 'already sent', reference: record.providerReference, sentAt: record.sentAt };
}

export async function sendStage(
	store: CommunicationStore,
	provider: CommunicationProvider,
	message: OutgoingMessage,
	options: StageClaimOptions & { signal?: AbortSignal },
): Promise<StageOutcome> {
	const attempt = await claimStage(store, message, options);
	if (!attempt.claimed) return refusedOutcome(attempt);
	const kept = new KeptClaim(store, attempt.claim, options.claimTtlMs);
	const claim: CommunicationClaim = attempt.claim;
	let receipt;
	try {
		receipt = await provider.send(
			{ ...message, idempotencyKey: claim.idempotencyKey },
			{
				signal: AbortSignal.any(
					[options.signal, kept.lostSignal].filter((signal) => signal !== undefined),
				),
				beforeEachStep: kept.confirm,
			},
		);
	} catch (error) {
		if (kept.lostSignal.aborted) return await takenOverOutcome(store, message);
		const failure =
			error instanceof ProviderError
				? { error: error.message, providerAnswer: error.answer }
				: { error: error instanceof Error ? error.message : String(error), providerAnswer: '' };
		await store.recordCommunicationFailed(kept.current, failure.providerAnswer || failure.error);
		return { status: 'failed', ...failure };
	} finally {
		kept.stop();
	}
	const record = await store.recordCommunicationSent({
		...keysOf(message).key,
		idempotencyKey: claim.idempotencyKey,
		owner: options.owner,
		providerReference: receipt.reference,
		scheduledFor: options.scheduledFor,
	});
	return {
		status: 'sent',
		reference: record.providerReference,
		duplicate: receipt.duplicate,
		attempt: claim.attempt,
		waits: receipt.waits,
		sentAt: record.sentAt ?? new Date().toISOString(),
	};
}
