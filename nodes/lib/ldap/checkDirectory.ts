/** The proof a directory setting works: connect, TLS, bind, then read the base DN (or the root DSE). */
import { openLdapDirectory } from './ldapDirectory';
import { LdapStepError } from './ldapErrors';
import type { LdapSettings } from './ldapSettings';

export type DirectoryCheckStep = 'settings' | 'connect' | 'tls' | 'bind' | 'read';

export interface DirectoryCheck {
	ok: boolean;
	/** The step that failed, when one did. */
	failedStep?: DirectoryCheckStep;
	/** One sentence for a person: what worked, or which step failed, why, and what to check. */
	message: string;
}

export async function checkLdapDirectory(
	settings: LdapSettings,
	baseDn: string,
): Promise<DirectoryCheck> {
	const failure = (failedStep: DirectoryCheckStep, error: unknown): DirectoryCheck => ({
		ok: false,
		failedStep,
		message:
			error instanceof LdapStepError
				? `${error.message}. ${error.advice}`
				: error instanceof Error
					? error.message
					: String(error),
	});
	let directory;
	try {
		directory = await openLdapDirectory(settings);
	} catch (error) {
		const step = error instanceof LdapStepError ? error.step : 'settings';
		return failure(
			step === 'connect' || step === 'tls' || step === 'bind' ? step : 'settings',
			error,
		);
	}
	try {
		// The root DSE holds only operational attributes: ask for namingContexts by name.
		const entry = await directory.readEntry(baseDn, baseDn === '' ? ['namingContexts'] : ['1.1']);
		if (!entry) {
			return {
				ok: false,
				failedStep: 'read',
				message: `Bound as ${settings.bindDn}, but the base DN ${baseDn} does not exist or is not visible to it.`,
			};
		}
		return {
			ok: true,
			message: `Connected and bound as ${settings.bindDn}; read ${baseDn === '' ? 'the root DSE' : baseDn}.`,
		};
	} catch (error) {
		return failure('read', error);
	} finally {
		await directory.close();
	}
}
