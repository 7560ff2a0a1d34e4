/** The CAs an https request to a Microsoft endpoint trusts: the public roots, plus a private one for an overridden URL. */
import tls from 'node:tls';

/** undefined keeps node's defaults (the public roots only). */
export function trustedCas(trustedCaPem?: string): string[] | undefined {
	return trustedCaPem ? [...tls.rootCertificates, trustedCaPem] : undefined;
}
