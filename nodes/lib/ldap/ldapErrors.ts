/**
 * What went wrong talking to a directory, as errors that say which step failed (connect, TLS, bind, search, modify,
 * add, password), the server's result code and name, and what to check. They carry text only: never the password,
 * and never ldapts' request objects (a bind request holds the password), so they are safe to log and to output.
 */
import { ResultCodeError } from 'ldapts';

export type LdapStep = 'connect' | 'tls' | 'bind' | 'search' | 'modify' | 'add' | 'password';

const STEP_NAMES: Record<LdapStep, string> = {
	connect: 'connection',
	tls: 'TLS',
	bind: 'bind',
	search: 'search',
	modify: 'modify',
	add: 'add',
	password: 'password change',
};

export class LdapStepError extends Error {
	readonly step: LdapStep;
	/** The LDAP result code (RFC 4511 section 4.1.9), when the server answered with one. */
	readonly resultCode?: number;
	/** Its name, e.g. `invalidCredentials`. */
	readonly resultName?: string;
	/** The socket or TLS error code (`ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`...), when there was one. */
	readonly errorCode?: string;
	/** One line saying what to check. */
	readonly advice: string;

	constructor(
		step: LdapStep,
		detail: string,
		advice: string,
		codes: { resultCode?: number; resultName?: string; errorCode?: string } = {},
	) {
		super(`LDAP ${STEP_NAMES[step]} failed: ${detail}`);
		this.name = 'LdapStepError';
		this.step = step;
		this.advice = advice;
		this.resultCode = codes.resultCode;
		this.resultName = codes.resultName;
		this.errorCode = codes.errorCode;
	}
}

/** No entry, or more than one, matched where exactly one was wanted. */
export class LdapEntryMatchError extends Error {
	readonly matched: 'none' | 'several';
	/** The DNs found (some of them, when several). */
	readonly dns: string[];

	constructor(matched: 'none' | 'several', where: string, dns: string[] = []) {
		super(
			matched === 'none'
				? `no entry matches ${where}`
				: `several entries match ${where} (${dns.join('; ')}): exactly one is needed`,
		);
		this.name = 'LdapEntryMatchError';
		this.matched = matched;
		this.dns = dns;
	}
}

/** `InvalidCredentialsError` → `invalidCredentials`. */
function resultNameOf(error: ResultCodeError): string {
	const name = error.name.replace(/Error$/, '');
	return name.charAt(0).toLowerCase() + name.slice(1);
}

const RESULT_ADVICE: Record<number, string> = {
	32: 'Check the DN: no such entry exists (or the bind DN may not see it).',
	34: 'Check the DN syntax.',
	49: 'Check the bind DN and password.',
	50: "The bind DN lacks the rights for this; grant them in the server's access rules.",
	53: 'The server is unwilling to perform this; check its policy (e.g. it wants TLS for binds).',
	13: 'The server requires a secure connection: use StartTLS or LDAPS.',
	8: 'The server requires a secure connection: use StartTLS or LDAPS.',
	65: "The entry's object classes do not allow this attribute or value.",
	17: "The server's schema does not know this attribute.",
	21: "A value does not match the attribute's syntax.",
	68: 'The entry exists already.',
};

function errorCodeOf(error: unknown): string | undefined {
	const code = (error as { code?: unknown })?.code;
	return typeof code === 'string' ? code : undefined;
}

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/** An error of one step as LdapStepError: the server's result code when it answered, else the socket's error. */
export function ldapStepError(step: LdapStep, error: unknown, where: string): LdapStepError {
	if (error instanceof LdapStepError) return error;
	if (error instanceof ResultCodeError) {
		const resultName = resultNameOf(error);
		return new LdapStepError(
			step,
			`${where}: ${error.message} (${resultName}, result code ${error.code})`,
			RESULT_ADVICE[error.code] ?? "See the server's message above.",
			{ resultCode: error.code, resultName },
		);
	}
	const errorCode = errorCodeOf(error);
	const detail = `${where}: ${messageOf(error).split('\n')[0]}${errorCode ? ` (${errorCode})` : ''}`;
	if (step === 'tls') {
		return new LdapStepError(
			step,
			detail,
			"The server's certificate was not accepted: add its CA certificate (PEM) to the credential, check the host name the certificate is for, or allow unauthorized certificates for a test server only.",
			{ errorCode },
		);
	}
	if (step === 'connect') {
		const advice =
			errorCode === 'ENOTFOUND' || errorCode === 'EAI_AGAIN'
				? 'The host name does not resolve: check it.'
				: 'Check the host and port (389 for ldap:// and StartTLS, 636 for ldaps://), and that no firewall is in the way.';
		return new LdapStepError(step, detail, advice, { errorCode });
	}
	return new LdapStepError(
		step,
		detail,
		'The connection to the directory broke or timed out; run again.',
		{ errorCode },
	);
}
