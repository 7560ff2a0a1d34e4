/**
 * The send ledger of user communications (Notify CRM): one record per migration, recipient and stage, claimed before
 * the provider is called (write-ahead) and marked sent after its answer, so no stage goes out twice from reruns,
 * overlapping runs or crashes. A claim has an owner and an expiry: a live run's claim keeps every other run off the
 * stage, an expired one (or one whose owner is known dead) is taken over, and the taker sends with the same
 * idempotency key, so a provider that deduplicates by it delivers once even when the first run's send got through.
 * Message content is never stored: only the key, the provider's reference and the last failure.
 */

/** `claimed`: a run is sending (or has sent and not yet recorded); `sent`: the provider accepted it; `failed`: the last try was refused. */
export type CommunicationStatus = 'claimed' | 'sent' | 'failed';

export interface CommunicationKey {
	migrationId: string;
	/** The user's email address, lowercased: a stage is sent once per address. */
	recipient: string;
	/** The stage's name in the communication plan, e.g. `T-7`. */
	stage: string;
}

export interface CommunicationRecord extends CommunicationKey {
	status: CommunicationStatus;
	/** Derived from the key alone; the same on every try. */
	idempotencyKey: string;
	/** The holder of the claim, or who marked it sent. */
	owner: string;
	/** ISO 8601; the claim's expiry (meaningless once sent). */
	claimExpiresAt: string;
	/** Claims taken: one per try. */
	attempts: number;
	/** The migration date (YYYY-MM-DD) the stage was computed for when last claimed. */
	scheduledFor: string | null;
	/** What the provider named the message (an activity id, a response id); null when it named nothing. */
	providerReference: string | null;
	/** The provider's answer to the last failed try, free of secrets. */
	lastError: string | null;
	sentAt: string | null;
	createdAt: string;
	updatedAt: string;
}

/** Proof of holding a stage's claim; pass it back to record the outcome. */
export interface CommunicationClaim extends CommunicationKey {
	owner: string;
	token: string;
	idempotencyKey: string;
	/** ISO 8601. */
	expiresAt: string;
	/** 1 for the first try. */
	attempt: number;
}

export type CommunicationClaimAttempt =
	| { claimed: true; claim: CommunicationClaim }
	| { claimed: false; sent: CommunicationRecord }
	| { claimed: false; heldBy: string; expiresAt: string };

export interface CommunicationClaimRequest extends CommunicationKey {
	idempotencyKey: string;
	owner: string;
	ttlMs: number;
	scheduledFor: string | null;
	/** A holder the caller found dead, whose unexpired claim it takes over. */
	replacing?: string;
}

export interface CommunicationSent extends CommunicationKey {
	idempotencyKey: string;
	owner: string;
	providerReference: string | null;
	scheduledFor?: string | null;
}

export interface CommunicationStore {
	/** Takes the stage unless it was sent or another owner holds an unexpired claim on it; one write transaction. */
	claimCommunication(request: CommunicationClaimRequest): Promise<CommunicationClaimAttempt>;
	/**
	 * Records the stage sent. Accepted whoever holds the claim now: the provider's acceptance is a fact, and a record
	 * already `sent` keeps its first reference and time. Returns the record as stored.
	 */
	recordCommunicationSent(sent: CommunicationSent): Promise<CommunicationRecord>;
	/**
	 * Extends a claim still held to `ttlMs` from now, while its provider is slow or asks to wait; null when it is no
	 * longer this claim (taken over after it expired, or recorded by its holder).
	 */
	renewCommunicationClaim(
		claim: CommunicationClaim,
		ttlMs: number,
	): Promise<CommunicationClaim | null>;
	/** The try failed: the claim is released (the next run tries again) and the answer kept; false when it was no longer held. */
	recordCommunicationFailed(claim: CommunicationClaim, error: string): Promise<boolean>;
	getCommunication(key: CommunicationKey): Promise<CommunicationRecord | null>;
	/** A migration's records (one recipient's with `recipient`), by recipient then stage. */
	listCommunications(migrationId: string, recipient?: string): Promise<CommunicationRecord[]>;
}
