/**
 * The pieces every HTML report is made of: escaping, the page with its inline style, number formats and the small
 * inline SVG charts. No external asset, script or font: the file is whole on its own, in a mail or a browser.
 */
import { formatBytes } from '../../format';

/** Every value from the ledger goes through this: folder names and reasons are attacker-controlled text. */
export function esc(value: unknown): string {
	return String(value ?? '')
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&#39;');
}

export function count(value: number): string {
	return value.toLocaleString('en-US');
}

export function bytes(value: number): string {
	return formatBytes(value);
}

/** Rounded down, so a mailbox with one item left never shows 100 %. */
export function percent(part: number, whole: number): string {
	if (whole === 0) return '–';
	if (part === whole || part === 0) return `${part === 0 ? 0 : 100} %`;
	return `${(Math.floor((part / whole) * 1000) / 10).toFixed(1)} %`;
}

export function seconds(value: number): string {
	if (value < 60) return `${Math.round(value)} s`;
	const minutes = Math.round(value / 60);
	return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** `2025-03-05T22:10:31.120Z` → `2025-03-05 22:10 UTC`. */
export function time(value: string | null): string {
	return value ? `${value.slice(0, 10)} ${value.slice(11, 16)} UTC` : '–';
}

export interface Slice {
	label: string;
	value: number;
	color: string;
}

/** One stacked bar of the slices, with a legend under it. */
export function stackedBar(title: string, slices: readonly Slice[]): string {
	const total = slices.reduce((sum, slice) => sum + slice.value, 0);
	let x = 0;
	const rects = slices
		.filter((slice) => slice.value > 0)
		.map((slice) => {
			const width = (slice.value / total) * 600;
			const rect = `<rect x="${x.toFixed(2)}" y="0" width="${width.toFixed(2)}" height="24" fill="${slice.color}"><title>${esc(slice.label)}: ${count(slice.value)}</title></rect>`;
			x += width;
			return rect;
		})
		.join('');
	const legend = slices
		.map(
			(slice) =>
				`<span class="legend"><i style="background:${slice.color}"></i>${esc(slice.label)} <b>${count(slice.value)}</b></span>`,
		)
		.join('');
	return `<figure class="chart"><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 600 24" preserveAspectRatio="none" role="img" aria-label="${esc(title)}"><rect width="600" height="24" fill="#e9ecef"/>${rects}</svg><div class="legends">${legend}</div></figure>`;
}

/** Horizontal bars, one per slice, on one scale. */
export function barChart(title: string, slices: readonly Slice[]): string {
	const max = Math.max(1, ...slices.map((slice) => slice.value));
	const rowHeight = 26;
	const bars = slices
		.map((slice, index) => {
			const y = index * rowHeight;
			const width = (slice.value / max) * 380;
			return (
				`<text x="0" y="${y + 17}" class="label">${esc(slice.label)}</text>` +
				`<rect x="110" y="${y + 4}" width="${Math.max(width, slice.value > 0 ? 2 : 0).toFixed(2)}" height="18" rx="3" fill="${slice.color}"/>` +
				`<text x="${(118 + width).toFixed(2)}" y="${y + 17}" class="value">${count(slice.value)}</text>`
			);
		})
		.join('');
	const height = slices.length * rowHeight;
	return `<figure class="chart"><figcaption>${esc(title)}</figcaption><svg class="bars" viewBox="0 0 600 ${height}" role="img" aria-label="${esc(title)}">${bars}</svg></figure>`;
}

/** A mailbox's progress: migrated, not migrated, and the rest not yet recorded as either. */
export function progressBar(migrated: number, notMigrated: number, total: number): string {
	const width = 140;
	const done = total ? (migrated / total) * width : 0;
	const bad = total ? (notMigrated / total) * width : 0;
	return `<svg class="progress" viewBox="0 0 ${width} 10" width="${width}" height="10" role="img" aria-label="${esc(percent(migrated, total))} migrated"><rect width="${width}" height="10" rx="5" fill="#e9ecef"/><rect width="${done.toFixed(2)}" height="10" fill="#2f9e44"/><rect x="${done.toFixed(2)}" width="${bad.toFixed(2)}" height="10" fill="#e03131"/></svg>`;
}

export function tile(
	metric: string,
	label: string,
	value: number,
	shown: string,
	note = '',
): string {
	return `<div class="tile" data-metric="${esc(metric)}" data-value="${value}"><div class="tile-value">${esc(shown)}</div><div class="tile-label">${esc(label)}</div>${note ? `<div class="tile-note">${esc(note)}</div>` : ''}</div>`;
}

const STYLE = `
:root { color-scheme: light; --ink: #212529; --muted: #6c757d; --line: #dee2e6; --soft: #f8f9fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #f1f3f5; }
main { max-width: 1180px; margin: 0 auto; padding: 24px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
.meta { color: var(--muted); margin: 0 0 20px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; margin-bottom: 18px; overflow-x: auto; }
.progress-cell { white-space: nowrap; }
.card h2 { font-size: 16px; margin: 0 0 12px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 12px; margin-bottom: 18px; }
.tile { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; }
.tile-value { font-size: 24px; font-weight: 650; }
.tile-label { color: var(--muted); }
.tile-note { color: var(--muted); font-size: 12px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 18px; }
.chart { margin: 0; }
.chart figcaption { font-weight: 600; margin-bottom: 8px; }
.chart svg { width: 100%; height: auto; display: block; border-radius: 4px; }
.chart svg.bars { max-width: 600px; }
.chart .label { font-size: 13px; fill: var(--ink); }
.chart .value { font-size: 12px; fill: var(--muted); }
.legends { margin-top: 8px; }
.legend { display: inline-block; margin: 0 14px 4px 0; white-space: nowrap; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 7px 6px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); background: var(--soft); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; color: #fff; white-space: nowrap; }
.why { color: var(--muted); font-size: 12px; overflow-wrap: anywhere; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; overflow-wrap: anywhere; }
.progress { vertical-align: middle; margin-right: 6px; }
.ok { color: #2f9e44; } .warn { color: #b7791f; } .bad { color: #c92a2a; } .dim { color: var(--muted); }
.note { color: var(--muted); font-size: 12px; margin: 8px 0 0; }
footer { color: var(--muted); font-size: 12px; text-align: center; margin-top: 8px; }
`;

/**
 * The whole page. The Content-Security-Policy forbids scripts and every external load, so even markup that slipped
 * through could not run or call out.
 */
export function page(title: string, subtitle: string, body: string): string {
	return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header><h1>${esc(title)}</h1><p class="meta">${subtitle}</p></header>
${body}
<footer>Built from the migration ledger by the Report node of n8n-nodes-mailbox-migration.</footer>
</main>
</body>
</html>
`;
}
