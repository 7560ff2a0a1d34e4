/** Token failures as a person can act on them: which step failed, the AADSTS code, never a secret or an assertion. */
import type { LoginFailure } from './loginHttpClient';

export type MicrosoftTokenStep =
	'tenant' | 'client' | 'secret' | 'certificate' | 'consent' | 'network' | 'service';

export class MicrosoftTokenError extends Error {
	constructor(
		readonly step: MicrosoftTokenStep,
		message: string,
		readonly aadstsCode?: number,
	) {
		super(message);
		this.name = 'MicrosoftTokenError';
	}
}

// Codes from learn.microsoft.com/entra/identity-platform/reference-error-codes (and the Azure SDKs' TROUBLESHOOTING
// tables for 700016 / 700027).
const STEP_BY_CODE: Record<number, MicrosoftTokenStep> = {
	90002: 'tenant', // tenant not found
	900023: 'tenant', // invalid tenant identifier
	90072: 'tenant', // account not in this tenant
	700016: 'client', // application not found in the directory
	7000112: 'client', // application disabled
	7000215: 'secret', // invalid client secret
	7000222: 'secret', // client secret expired
	7000218: 'secret', // neither client_secret nor client_assertion
	700027: 'certificate', // assertion signature invalid / key not registered
	700024: 'certificate', // assertion outside its valid time range
	700021: 'certificate', // assertion issuer is not the client id
	50027: 'certificate', // assertion malformed / wrong audience
	65001: 'consent', // no consent
	500011: 'consent', // resource's service principal not in the tenant
	501051: 'consent', // app not assigned a role on the resource
};

export const STEP_ADVICE: Record<MicrosoftTokenStep, string> = {
	tenant:
		'tenant not found: check Tenant (directory ID or a verified domain) and that Cloud is the one the tenant lives in',
	client:
		'application not found in the tenant: check Client ID (the app registration’s Application ID) and that the app is registered in, or consented to by, this tenant',
	secret:
		'client secret refused: enter the secret’s Value (not its Secret ID) and check it has not expired (Certificates & secrets)',
	certificate:
		'certificate refused: upload the certificate to the app registration (Certificates & secrets) and check that the private key and thumbprint belong to it',
	consent:
		'permission not granted: add the application permission under API permissions and grant admin consent',
	network: 'the Microsoft login service could not be reached',
	service: 'the Microsoft login service answered with an error',
};

export function tokenError(
	step: MicrosoftTokenStep,
	detail?: string,
	aadstsCode?: number,
): MicrosoftTokenError {
	const code = aadstsCode === undefined ? '' : ` [AADSTS${aadstsCode}]`;
	const tail = detail ? ` — ${detail}` : '';
	return new MicrosoftTokenError(
		step,
		`Microsoft 365 token, step "${step}": ${STEP_ADVICE[step]}${code}${tail}`,
		aadstsCode,
	);
}

interface AadErrorBody {
	error?: string;
	error_description?: string;
	error_codes?: number[];
}

/** The first line of an Azure error description ("AADSTS7000215: Invalid client secret provided. …"), without the code. */
function headlineOf(description: string | undefined): string | undefined {
	const line = description?.split(/\r?\n/)[0]?.trim();
	return line?.replace(/^AADSTS\d+:\s*/, '') || undefined;
}

function fromAadBody(body: AadErrorBody): MicrosoftTokenError {
	const code =
		body.error_codes?.[0] ?? Number(/AADSTS(\d+)/.exec(body.error_description ?? '')?.[1]);
	const known = Number.isFinite(code) ? STEP_BY_CODE[code] : undefined;
	return tokenError(
		known ?? 'service',
		headlineOf(body.error_description) ?? body.error,
		Number.isFinite(code) ? code : undefined,
	);
}

function redact(message: string, secrets: string[]): string {
	let text = message;
	for (const secret of secrets) if (secret) text = text.split(secret).join('[redacted]');
	return text;
}

interface MsalLikeError {
	errorCode?: string;
	errorMessage?: string;
	errorNo?: number | string;
	status?: number;
	message?: string;
}

/**
 * Maps whatever acquiring a token threw: an MSAL ServerError (Azure answered an error), MSAL's client errors after a
 * failed discovery or network call (then `lastFailure` of our network module says why), or anything else.
 */
export function toMicrosoftTokenError(
	error: unknown,
	lastFailure: LoginFailure | undefined,
	secrets: string[],
): MicrosoftTokenError {
	if (error instanceof MicrosoftTokenError) return error;
	const msal = (typeof error === 'object' && error !== null ? error : {}) as MsalLikeError;
	const mapped = (() => {
		const code = Number(msal.errorNo);
		if (Number.isFinite(code) && code > 0 && (msal.errorCode || msal.status)) {
			const step = STEP_BY_CODE[code] ?? 'service';
			const description = /Description: (.*?)(?: - Correlation ID|$)/s.exec(
				msal.errorMessage ?? '',
			)?.[1];
			return tokenError(step, headlineOf(description), code);
		}
		if (lastFailure?.kind === 'http' && typeof lastFailure.body === 'object' && lastFailure.body) {
			return fromAadBody(lastFailure.body as AadErrorBody);
		}
		if (lastFailure?.kind === 'http') {
			return tokenError(
				'service',
				`${new URL(lastFailure.url).host} answered HTTP ${lastFailure.status}`,
			);
		}
		if (lastFailure?.kind === 'network') return tokenError('network', lastFailure.message);
		const what = msal.errorCode
			? `${msal.errorCode}${msal.errorMessage ? `: ${msal.errorMessage}` : ''}`
			: error instanceof Error
				? error.message
				: String(error);
		return tokenError(msal.errorCode === 'network_error' ? 'network' : 'service', what);
	})();
	const safe = redact(mapped.message, secrets);
	return safe === mapped.message
		? mapped
		: new MicrosoftTokenError(mapped.step, safe, mapped.aadstsCode);
}
