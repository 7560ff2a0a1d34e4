/**
 * How a server's certificate is trusted: the one place every TLS socket to an IMAP server is opened (ImapSession's
 * implicit TLS and STARTTLS, the account probe, imapflow through its transport). The chain is verified against the
 * given CA certificates (else the system's roots) unless self-signed certificates are allowed or a fingerprint is
 * pinned; the host name is checked unless the operator skips it. Node checks the host name only when the chain
 * verifies, so without a required chain the socket is checked again after the handshake, before the caller gets it:
 * nothing, and no credential, is sent to a server that failed a check.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

import type { ImapServer } from './endpoint';

/** Codes of our own checks; the ERR_TLS_ prefix makes socketErrors.ts read them as TLS failures. */
export const FINGERPRINT_MISMATCH = 'ERR_TLS_CERT_FINGERPRINT_MISMATCH';
export const TRUST_SETTING_INVALID = 'ERR_TLS_TRUST_SETTING_INVALID';

interface TrustPolicy {
	options: tls.ConnectionOptions;
	/** Upper-case hex without colons. */
	pinnedFingerprint?: string;
	/** Node skips the host-name check when the chain is not required, so it is done after the handshake. */
	hostnameAfterHandshake: boolean;
}

function trustError(code: string, message: string): Error {
	return Object.assign(new Error(message), { code });
}

/** Accepts `AB:CD:…`, plain hex, or openssl's `sha256 Fingerprint=AB:CD:…`. */
function normalizedFingerprint(text: string): string {
	const hex = text.replace(/^.*=/, '').replace(/[\s:]/g, '').toUpperCase();
	if (!/^[0-9A-F]{64}$/.test(hex)) {
		throw trustError(
			TRUST_SETTING_INVALID,
			'"Certificate Fingerprint (SHA-256)" must be 64 hex digits (colons allowed)',
		);
	}
	return hex;
}

function trustPolicy(server: ImapServer): TrustPolicy {
	const ca = server.trustedCaPem?.trim() || undefined;
	if (ca !== undefined && !ca.includes('-----BEGIN CERTIFICATE-----')) {
		throw trustError(
			TRUST_SETTING_INVALID,
			'"Trusted CA Certificates (PEM)" holds no -----BEGIN CERTIFICATE----- block',
		);
	}
	const fingerprint = server.certificateFingerprint?.trim();
	const pinnedFingerprint = fingerprint ? normalizedFingerprint(fingerprint) : undefined;
	// Given CA certificates are always checked; otherwise a pin or "self-signed allowed" replaces the chain.
	const chainRequired =
		ca !== undefined || (!server.allowSelfSigned && pinnedFingerprint === undefined);
	const checkHostname = server.skipHostnameCheck !== true;
	return {
		options: {
			host: server.host,
			// SNI carries host names only (RFC 6066).
			servername: net.isIP(server.host) !== 0 ? undefined : server.host,
			rejectUnauthorized: chainRequired,
			ca:
				ca !== undefined && server.trustedCaAddsToSystemRoots ? [...tls.rootCertificates, ca] : ca,
			...(checkHostname ? {} : { checkServerIdentity: () => undefined }),
		},
		pinnedFingerprint,
		hostnameAfterHandshake: checkHostname && !chainRequired,
	};
}

function failedCheck(socket: tls.TLSSocket, server: ImapServer, policy: TrustPolicy) {
	const certificate = socket.getPeerCertificate();
	if (policy.pinnedFingerprint !== undefined) {
		const seen = certificate.fingerprint256 ?? '';
		if (seen.replace(/:/g, '').toUpperCase() !== policy.pinnedFingerprint) {
			return trustError(
				FINGERPRINT_MISMATCH,
				`the server's certificate has SHA-256 fingerprint ${seen || '(none)'}, not the pinned one`,
			);
		}
	}
	return policy.hostnameAfterHandshake
		? tls.checkServerIdentity(server.host, certificate)
		: undefined;
}

/**
 * TLS to the server, on its port or on a plain socket after STARTTLS. `onTrusted` runs once the certificate passed
 * every check; otherwise the socket fails ('error') with the check's error. Throws for unusable trust settings.
 */
export function connectTls(
	server: ImapServer,
	over: { port: number } | { socket: Duplex },
	onTrusted: () => void,
): tls.TLSSocket {
	const policy = trustPolicy(server);
	const socket = tls.connect({ ...policy.options, ...over });
	socket.once('secureConnect', () => {
		const failure = failedCheck(socket, server, policy);
		if (failure) socket.destroy(failure);
		else onTrusted();
	});
	return socket;
}
