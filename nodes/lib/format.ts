/** Wording shared by reports, reasons and headers. */

export function plural(count: number, word: string): string {
	return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Decimal units, as the report's megabytes per second. */
export function formatBytes(bytes: number): string {
	const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
	let value = bytes;
	let unit = 0;
	while (value >= 1000 && unit < units.length - 1) {
		value /= 1000;
		unit++;
	}
	return `${Math.round(value * 10) / 10} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
	const totalSeconds = Math.round(ms / 1000);
	const hours = Math.floor(totalSeconds / 3600);
	const minutes = Math.floor((totalSeconds % 3600) / 60);
	const seconds = totalSeconds % 60;
	const parts = [
		hours ? `${hours} h` : '',
		minutes ? `${minutes} min` : '',
		seconds ? `${seconds} s` : '',
	];
	return parts.filter(Boolean).join(' ') || `${ms} ms`;
}
