/**
 * Lets `node --experimental-strip-types --import ./test/harness/register-ts.mjs script.ts` resolve this repo's
 * extensionless relative imports ('./dovecot'), which tsc and jest need and Node's ESM loader does not try.
 */
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';

registerHooks({
	resolve(specifier, context, nextResolve) {
		try {
			return nextResolve(specifier, context);
		} catch (error) {
			const relative = specifier.startsWith('./') || specifier.startsWith('../');
			if (!relative || !context.parentURL?.startsWith('file:')) throw error;
			for (const suffix of ['.ts', '/index.ts']) {
				const candidate = new URL(specifier + suffix, context.parentURL);
				if (existsSync(fileURLToPath(candidate))) return nextResolve(candidate.href, context);
			}
			throw error;
		}
	},
});
