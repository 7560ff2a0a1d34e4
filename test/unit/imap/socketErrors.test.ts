/**
 * The one classifier of Node's socket and TLS error codes, and its two readers: the session's errors
 * (`socketFailure`, kind + message) and the account check / pre-flight (`describeConnectionFailure`, layer +
 * message). Every code is checked in both, so they cannot drift apart again (they once disagreed on
 * HOSTNAME_MISMATCH, ETIMEDOUT, UNABLE_TO_GET_ISSUER_CERT_LOCALLY, EAI_FAIL and the wording of every hint).
 */
import { describeConnectionFailure } from '../../../nodes/lib/imap/connectionFailure';
import type { ImapServer } from '../../../nodes/lib/imap/endpoint';
import { ImapError, socketFailure } from '../../../nodes/lib/imap/imapErrors';
import {
	classifySocketError,
	greetingTimeoutMessage,
	layerOfSocketCode,
	SOCKET_CODE_LAYERS,
	type SocketLayer,
} from '../../../nodes/lib/imap/socketErrors';

const server: ImapServer = {
	host: 'imap.example.org',
	port: 993,
	security: 'tls',
	allowSelfSigned: false,
};
const WHERE = 'imap.example.org:993';

function nodeError(code: string, message = `connect ${code} 192.0.2.1:993`): Error {
	return Object.assign(new Error(message), { code });
}

const NOT_TLS = /The port does not speak TLS: use STARTTLS or None for this port/;
const UNTRUSTED =
	/The certificate chain is not trusted: give its CA under "Trusted CA Certificates/;
const OTHER_HOST = /The host-name check failed: .*"Skip Host Name Check"/;
const EXPIRED = /The certificate has expired or is not valid yet/;

/** Every code the classifier knows by name, plus the TLS family it matches by prefix: layer and message. */
const CODES: ReadonlyArray<[code: string, layer: SocketLayer, message: RegExp]> = [
	['ENOTFOUND', 'dns', /^DNS: the host name imap\.example\.org cannot be resolved \(ENOTFOUND\)$/],
	['EAI_AGAIN', 'dns', /^DNS: .*\(EAI_AGAIN\)$/],
	['EAI_NONAME', 'dns', /^DNS: .*\(EAI_NONAME\)$/],
	['EAI_FAIL', 'dns', /^DNS: .*\(EAI_FAIL\)$/],
	['EAI_NODATA', 'dns', /^DNS: .*\(EAI_NODATA\)$/],
	['ECONNREFUSED', 'tcp', /^TCP: imap\.example\.org:993 refused the connection: nothing listens/],
	['ECONNRESET', 'tcp', /^TCP: imap\.example\.org:993 is unreachable or dropped .*\(ECONNRESET\)$/],
	['ECONNABORTED', 'tcp', /^TCP: .* is unreachable or dropped the connection \(ECONNABORTED\)$/],
	['EPIPE', 'tcp', /^TCP: .* is unreachable or dropped the connection \(EPIPE\)$/],
	['EHOSTUNREACH', 'tcp', /^TCP: .* is unreachable or dropped the connection \(EHOSTUNREACH\)$/],
	['EHOSTDOWN', 'tcp', /^TCP: .* is unreachable or dropped the connection \(EHOSTDOWN\)$/],
	['ENETUNREACH', 'tcp', /^TCP: .* is unreachable or dropped the connection \(ENETUNREACH\)$/],
	['ENETDOWN', 'tcp', /^TCP: .* is unreachable or dropped the connection \(ENETDOWN\)$/],
	[
		'ETIMEDOUT',
		'timeout',
		/^Timeout: imap\.example\.org:993 did not answer in time \(ETIMEDOUT\)$/,
	],
	['ERR_TLS_HANDSHAKE_TIMEOUT', 'timeout', /^Timeout: .*\(ERR_TLS_HANDSHAKE_TIMEOUT\)$/],
	['ERR_SSL_WRONG_VERSION_NUMBER', 'tls', NOT_TLS],
	['ERR_SSL_PACKET_LENGTH_TOO_LONG', 'tls', NOT_TLS],
	['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls', UNTRUSTED],
	['SELF_SIGNED_CERT_IN_CHAIN', 'tls', UNTRUSTED],
	['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls', UNTRUSTED],
	['UNABLE_TO_GET_ISSUER_CERT', 'tls', UNTRUSTED],
	['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'tls', UNTRUSTED],
	['ERR_TLS_CERT_ALTNAME_INVALID', 'tls', OTHER_HOST],
	['HOSTNAME_MISMATCH', 'tls', OTHER_HOST],
	['ERR_TLS_CERT_FINGERPRINT_MISMATCH', 'tls', /The fingerprint check failed: connect /],
	['ERR_TLS_TRUST_SETTING_INVALID', 'tls', /The certificate settings cannot be used: connect /],
	['CERT_HAS_EXPIRED', 'tls', EXPIRED],
	['CERT_NOT_YET_VALID', 'tls', EXPIRED],
	[
		'CERT_REVOKED',
		'tls',
		/^TLS: the secure connection to imap\.example\.org:993 failed \(CERT_REVOKED\)\.$/,
	],
	[
		'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
		'tls',
		/^TLS: .*\(ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE\)\.$/,
	],
	['ERR_OSSL_EVP_UNSUPPORTED', 'tls', /^TLS: .*\(ERR_OSSL_EVP_UNSUPPORTED\)\.$/],
];

describe('classifySocketError', () => {
	it('has a row here for every code it knows by name', () => {
		const tested = new Set(CODES.map(([code]) => code));
		expect([...SOCKET_CODE_LAYERS.keys()].filter((code) => !tested.has(code))).toEqual([]);
	});

	it.each(CODES)('%s is the %s layer', (code, layer, message) => {
		expect(layerOfSocketCode(code)).toBe(layer);
		const failure = classifySocketError(nodeError(code), server);
		expect(failure).toEqual({ layer, message: expect.stringMatching(message), systemCode: code });
	});

	it.each(CODES)('%s reads the same in the session and in the account check', (code, layer) => {
		const error = nodeError(code);
		// The session knows whether TLS had started; a TLS code means it had.
		const session = socketFailure(error, server, layer === 'tls' ? 'tls' : 'tcp');
		const check = describeConnectionFailure(error, server);
		expect(session).toBeInstanceOf(ImapError);
		expect({ kind: session.kind, message: session.message }).toEqual({
			kind: check.layer,
			message: check.message,
		});
		expect(session.systemCode).toBe(code);
		expect(session.cause).toBe(error);
	});

	it('blames TLS for a connection dropped or failed oddly during the handshake, not for DNS, a refusal or a timeout', () => {
		const stage = 'tls';
		expect(classifySocketError(nodeError('ECONNRESET'), server, stage).layer).toBe('tls');
		expect(classifySocketError(nodeError('EPIPE'), server, stage).layer).toBe('tls');
		expect(classifySocketError(nodeError('EPROTO'), server, stage).message).toBe(
			`TLS: the secure connection to ${WHERE} failed (EPROTO).`,
		);
		expect(classifySocketError(new Error('socket hang up'), server, stage).message).toBe(
			`TLS: the secure connection to ${WHERE} failed (socket hang up).`,
		);
		expect(classifySocketError(nodeError('ENOTFOUND'), server, stage).layer).toBe('dns');
		expect(classifySocketError(nodeError('ECONNREFUSED'), server, stage).layer).toBe('tcp');
		expect(classifySocketError(nodeError('ETIMEDOUT'), server, stage).layer).toBe('timeout');
	});

	it('before TLS, calls an unknown code a TCP failure; without a stage, says nothing of it', () => {
		expect(classifySocketError(nodeError('EADDRINUSE'), server, 'tcp')).toEqual({
			layer: 'tcp',
			message: `TCP: the connection to ${WHERE} failed (EADDRINUSE)`,
			systemCode: 'EADDRINUSE',
		});
		expect(classifySocketError(nodeError('EADDRINUSE'), server)).toBeNull();
		expect(classifySocketError(new Error('Command failed'), server)).toBeNull();
		expect(classifySocketError(undefined, server)).toBeNull();
	});

	it.each([
		['wrong version number', NOT_TLS],
		['packet length too long', NOT_TLS],
		['self-signed certificate', UNTRUSTED],
		['unable to verify the first certificate', UNTRUSTED],
		['unable to get local issuer certificate', UNTRUSTED],
		["Hostname/IP does not match certificate's altnames", OTHER_HOST],
		['certificate has expired', EXPIRED],
		[
			'SSL routines::sslv3 alert handshake failure',
			/failed \(SSL routines::sslv3 alert handshake failure\)\.$/,
		],
	])('reads a code-less "%s" as TLS with its hint', (text, message) => {
		expect(classifySocketError(new Error(text), server)).toEqual({
			layer: 'tls',
			message: expect.stringMatching(message),
			systemCode: undefined,
		});
	});

	it("prefers Node's code carried as systemCode over a server response code", () => {
		const closed = new ImapError('IMAP: the connection broke', {
			kind: 'closed',
			code: 'UNAVAILABLE',
			systemCode: 'ECONNRESET',
		});
		expect(classifySocketError(closed, server)?.systemCode).toBe('ECONNRESET');
		expect(describeConnectionFailure(closed, server).layer).toBe('tcp');
	});
});

describe('describeConnectionFailure beyond socket codes', () => {
	const plain: ImapServer = { ...server, port: 143, security: 'none' };

	it('keeps the layer and sentence of an ImapError that already knows them', () => {
		const error = new ImapError('Authentication: x rejected the login for alice', {
			kind: 'auth',
			code: 'AUTHENTICATIONFAILED',
		});
		expect(describeConnectionFailure(error, server)).toEqual({
			layer: 'auth',
			message: error.message,
			serverCode: 'AUTHENTICATIONFAILED',
		});
	});

	it("reads imapflow's and the probe's timeouts as a server that never greeted, hinting at TLS on a plain port", () => {
		const greeting = Object.assign(
			new Error('Failed to receive greeting from server in required time. Maybe should use TLS?'),
			{ code: 'GREETING_TIMEOUT' },
		);
		expect(describeConnectionFailure(greeting, plain)).toEqual({
			layer: 'timeout',
			message: greetingTimeoutMessage(plain, true),
		});
		expect(greetingTimeoutMessage(plain, true)).toMatch(/^Timeout: .*set Security to TLS\.$/);
		for (const code of ['CONNECT_TIMEOUT', 'UPGRADE_TIMEOUT', 'ETIMEOUT', 'GreetingTimeout']) {
			expect(describeConnectionFailure(nodeError(code, 'too slow'), server)).toEqual({
				layer: 'timeout',
				message: `Timeout: ${WHERE} did not answer as an IMAP server in time.`,
			});
		}
	});

	it('reads a refused or missing STARTTLS as TLS', () => {
		expect(describeConnectionFailure(new Error('STARTTLS refused: A1 NO not now'), plain)).toEqual({
			layer: 'tls',
			message:
				'TLS: the secure connection to imap.example.org:143 failed (STARTTLS refused: A1 NO not now).',
		});
	});

	it('reads a rejected login as auth and anything else as protocol, with what the server said', () => {
		const rejected = Object.assign(new Error('Command failed'), {
			authenticationFailed: true,
			responseText: 'Invalid credentials (Failure)',
		});
		expect(describeConnectionFailure(rejected, server)).toEqual({
			layer: 'auth',
			message: `Authentication: ${WHERE} rejected the login. Server said: Invalid credentials (Failure)`,
			serverCode: 'AUTHENTICATIONFAILED',
		});
		expect(describeConnectionFailure(new Error('unexpected greeting: HTTP/1.1'), server)).toEqual({
			layer: 'protocol',
			message: `IMAP: ${WHERE} failed: unexpected greeting: HTTP/1.1`,
			serverCode: undefined,
		});
	});
});
