/**
 * Special-use folders (RFC 6154, plus Gmail's \Important): the roles, their LIST flags, and the names clients
 * and servers give them in common languages, for servers that do not flag them.
 */

export type SpecialUseRole =
	'sent' | 'drafts' | 'trash' | 'junk' | 'archive' | 'all' | 'flagged' | 'important';

/** Roles that have one real folder per mailbox and are mapped onto the target's folder for the same role. */
export const MAPPED_SPECIAL_USE_ROLES = ['sent', 'drafts', 'trash', 'junk', 'archive'] as const;
export type MappedSpecialUseRole = (typeof MAPPED_SPECIAL_USE_ROLES)[number];

/** The LIST attribute for each role, as sent on the wire and accepted by CREATE … USE (…). */
export const SPECIAL_USE_FLAGS: Readonly<Record<SpecialUseRole, string>> = {
	sent: '\\Sent',
	drafts: '\\Drafts',
	trash: '\\Trash',
	junk: '\\Junk',
	archive: '\\Archive',
	all: '\\All',
	flagged: '\\Flagged',
	important: '\\Important',
};

/** The folder name used on a target that has no folder for the role yet. */
export const DEFAULT_SPECIAL_FOLDER_NAMES: Readonly<Record<MappedSpecialUseRole, string>> = {
	sent: 'Sent',
	drafts: 'Drafts',
	trash: 'Trash',
	junk: 'Junk',
	archive: 'Archive',
};

/**
 * Names that mean a role when a server does not flag the folder, as shipped by Outlook/Exchange, Thunderbird,
 * Apple Mail, Gmail, GMX/Web.de and others in English, German, French, Spanish, Italian, Dutch, Polish,
 * Portuguese, Swedish, Russian and Japanese. Compared case-insensitively after Unicode NFC normalisation.
 */
export const LOCALIZED_SPECIAL_FOLDER_NAMES: Readonly<
	Record<MappedSpecialUseRole, readonly string[]>
> = {
	sent: [
		'Sent',
		'Sent Items',
		'Sent Messages',
		'Sent Mail',
		'Gesendet',
		'Gesendete Objekte',
		'Gesendete Elemente',
		'Gesendete Nachrichten',
		'Envoyés',
		'Éléments envoyés',
		'Messages envoyés',
		'Enviados',
		'Elementos enviados',
		'Mensajes enviados',
		'Inviata',
		'Inviati',
		'Posta inviata',
		'Elementi inviati',
		'Verzonden',
		'Verzonden items',
		'Verzonden berichten',
		'Wysłane',
		'Elementy wysłane',
		'Itens enviados',
		'Enviadas',
		'Skickat',
		'Skickade objekt',
		'Отправленные',
		'送信済み',
		'送信済みアイテム',
	],
	drafts: [
		'Drafts',
		'Draft',
		'Entwürfe',
		'Brouillons',
		'Borradores',
		'Bozze',
		'Concepten',
		'Kopie robocze',
		'Szkice',
		'Rascunhos',
		'Utkast',
		'Черновики',
		'下書き',
	],
	trash: [
		'Trash',
		'Bin',
		'Deleted',
		'Deleted Items',
		'Deleted Messages',
		'Papierkorb',
		'Gelöscht',
		'Gelöschte Elemente',
		'Gelöschte Objekte',
		'Corbeille',
		'Éléments supprimés',
		'Papelera',
		'Elementos eliminados',
		'Cestino',
		'Posta eliminata',
		'Prullenbak',
		'Verwijderde items',
		'Kosz',
		'Elementy usunięte',
		'Lixeira',
		'Lixo',
		'Itens excluídos',
		'Papperskorgen',
		'Borttagna objekt',
		'Корзина',
		'Удаленные',
		'Удалённые',
		'ゴミ箱',
		'削除済みアイテム',
	],
	junk: [
		'Junk',
		'Spam',
		'Junk E-mail',
		'Junk Email',
		'Junk Mail',
		'Bulk Mail',
		'Junk-E-Mail',
		'Spamverdacht',
		'Courrier indésirable',
		'Indésirables',
		'Correo no deseado',
		'Posta indesiderata',
		'Ongewenste e-mail',
		'Wiadomości-śmieci',
		'Lixo eletrônico',
		'Skräppost',
		'Спам',
		'迷惑メール',
	],
	archive: [
		'Archive',
		'Archives',
		'Archiv',
		'Archivio',
		'Archivo',
		'Archief',
		'Archiwum',
		'Arquivo',
		'Arkiv',
		'Архив',
		'アーカイブ',
	],
};

/** The comparison key for folder names that are matched by meaning rather than byte for byte. */
export function nameMatchKey(name: string): string {
	return name.normalize('NFC').trim().toLocaleLowerCase('und');
}

/** The role a LIST attribute set announces, or null. Flags compare case-insensitively, as IMAP atoms do. */
export function specialUseFromFlags(flags: Iterable<string>): SpecialUseRole | null {
	const lowered = new Set([...flags].map((flag) => flag.toLowerCase()));
	for (const [role, flag] of Object.entries(SPECIAL_USE_FLAGS) as [SpecialUseRole, string][]) {
		if (lowered.has(flag.toLowerCase())) return role;
	}
	return null;
}
