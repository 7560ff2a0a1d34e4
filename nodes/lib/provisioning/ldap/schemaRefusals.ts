/**
 * A directory's refusal of an add or modify, explained with the attribute it is about. slapd names it in its
 * diagnostic text (servers/slapd/schema_check.c, attr.c, modify.c): "attribute 'x' not allowed", "object class 'y'
 * requires attribute 'x'", "x: attribute type undefined", "x: value #0 invalid per syntax", "value of naming
 * attribute 'x' is not present in entry". The result stays an LdapStepError, its codes and the server's text kept.
 */
import { LdapStepError } from '../../ldap';

const REASONS: Record<number, string> = {
	17: 'is not in the schema of the directory (undefinedAttributeType): check its spelling, or load the schema that defines it',
	19: 'breaks a constraint of the directory (constraintViolation), e.g. a single-valued attribute given several values',
	21: "has a value the attribute's syntax does not allow (invalidAttributeSyntax): check the value",
	64: 'is the naming attribute of the DN but has no such value in the entry (namingViolation): give it as an attribute with the same value',
	65: 'does not fit the object classes (objectClassViolation): add the object class that allows it, or give what they require',
};

/** The attribute slapd's text names, if it names one. */
export function attributeNamedBy(text: string): string | null {
	const quoted = /(?:attribute|naming attribute) '([^']+)'/.exec(text);
	if (quoted) return quoted[1];
	const leading =
		/:\s*([A-Za-z][A-Za-z0-9-]*(?:;[A-Za-z0-9-]+)*): (?:attribute type undefined|value #\d+ invalid per syntax|multiple values provided)/.exec(
			text,
		);
	return leading?.[1] ?? null;
}

export function explainSchemaRefusal(error: unknown): unknown {
	if (!(error instanceof LdapStepError) || error.resultCode === undefined) return error;
	const reason = REASONS[error.resultCode];
	if (!reason) return error;
	const attribute = attributeNamedBy(error.message);
	const subject = attribute ? `the attribute ${attribute}` : 'an attribute or object class';
	return new LdapStepError(
		error.step,
		`${error.message.replace(/^LDAP [^:]+ failed: /, '')}: ${subject} ${reason}`,
		attribute ? `Correct ${attribute} in the node's Attributes or Object Classes.` : error.advice,
		{ resultCode: error.resultCode, resultName: error.resultName, errorCode: error.errorCode },
	);
}
