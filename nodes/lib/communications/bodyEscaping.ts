/**
 * How a webhook body template's placeholders are filled, by the body's content type: each value escaped for the
 * syntax it lands in, so a roster value (a name holding `&role=admin`, `"`, `</x>`) stays data and never adds a field,
 * a parameter or an element. Content types without a rule here take no placeholders (the template is refused).
 */

/** Escapes one placeholder value for a body of one content type. */
export type PlaceholderEscaper = (value: string) => string;

/** Inside a JSON string: JSON's own string escaping, quotes dropped (RFC 8259 section 7). */
const jsonString: PlaceholderEscaper = (value) => JSON.stringify(value).slice(1, -1);

/**
 * A form name or value: percent-encoded, so `&`, `=` and `+` stay data. encodeURIComponent leaves `!'()*` as they
 * are, which the form serializer (WHATWG URL, application/x-www-form-urlencoded) decodes as themselves too.
 */
const formValue: PlaceholderEscaper = (value) => encodeURIComponent(value);

/** Text or an attribute value in XML or HTML: the five predefined entities (XML 1.0 section 4.6). */
const markupText: PlaceholderEscaper = (value) =>
	value.replace(
		/[&<>"']/g,
		(character) =>
			({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[character] ??
			character,
	);

/** Plain text has no syntax to break out of: values go in as they are. */
const plainText: PlaceholderEscaper = (value) => value;

/** The media type of a Content-Type value, lowercased, without parameters (`application/json; charset=utf-8`). */
function mediaTypeOf(contentType: string): string {
	return contentType.split(';')[0].trim().toLowerCase();
}

/** The escaping for a content type, or null when placeholders are not allowed in its bodies. */
export function placeholderEscaperOf(contentType: string): PlaceholderEscaper | null {
	const type = mediaTypeOf(contentType);
	if (/^[a-z0-9.+-]+\/([a-z0-9.+-]*\+)?json$/.test(type)) return jsonString;
	if (type === 'application/x-www-form-urlencoded') return formValue;
	if (/^[a-z0-9.+-]+\/([a-z0-9.+-]*\+)?xml$/.test(type) || type === 'text/html') return markupText;
	if (type === 'text/plain') return plainText;
	return null;
}

/** The content types whose bodies take placeholders, as a person reads them. */
export const ESCAPED_CONTENT_TYPES =
	'JSON (application/json, …+json), application/x-www-form-urlencoded, XML (…/xml, …+xml), text/html and text/plain';
