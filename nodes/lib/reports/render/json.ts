/** JSON of a report: the report's own data, indented for people who open the file. */
import type { Report } from '../model';

export function renderJson(report: Report): string {
	return `${JSON.stringify(report, null, 2)}\n`;
}
