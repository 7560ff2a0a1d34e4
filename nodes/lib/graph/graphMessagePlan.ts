/**
 * What the converter hands the Graph target for one source message: the JSON body of the create request and the
 * attachments that have to follow it, plus why the message was not rebuilt part by part when it was not.
 */

/** What the source knows of the message besides its bytes. */
export interface GraphMessageMeta {
	/** IMAP flags and keywords as the source reports them (`\Seen`, `$Forwarded`, `Work`, ...). */
	flags: readonly string[];
	/** The source's INTERNALDATE: IMAP form ("17-Jul-1996 02:44:25 -0700") or anything Date.parse reads. */
	internalDate: string;
}

/** An attachment that does not travel in the create request: added to the created message afterwards. */
export interface GraphUpload {
	name: string;
	contentType: string;
	/** Bytes of `content`, the decoded attachment. */
	size: number;
	isInline: boolean;
	/** Without angle brackets, as `cid:` URLs in the HTML body name it; null when the part has none. */
	contentId: string | null;
	content: Buffer;
}

/** Why and how a message was carried whole instead of rebuilt from its parts. */
export interface GraphFallback {
	/** `smime-signed`, `smime-encrypted`, `smime-opaque-signed`, `pgp-signed`, `pgp-encrypted`, `unparsable`, `body-too-large`. */
	reason: string;
	/** What was done instead, in words for the report. */
	path: string;
}

export interface GraphMessagePlan {
	/** JSON body of `POST /users/{id}/mailFolders/{id}/messages`, attachments that fit the request included. */
	create: Record<string, unknown>;
	/** In message order; the target picks the call by size (see `UPLOAD_SESSION_MIN_BYTES`). */
	uploads: GraphUpload[];
	fallback: GraphFallback | null;
}
