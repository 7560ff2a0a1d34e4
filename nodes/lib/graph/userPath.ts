/**
 * The Graph path of one user, `users/{id | userPrincipalName}` (learn.microsoft.com/graph/api/user-get, "HTTP
 * request"). A UPN beginning with `$` must be given as OData's key in parentheses, `users('{userPrincipalName}')`
 * (same page), else Graph reads the segment as a system one and refuses the request (msgraph-sdk-dotnet #2635). A UPN
 * holding `'` is given as that key too, its quotes doubled as in any OData string literal (OData ABNF
 * `SQUOTE-in-string`; PnP PowerShell #3569 found the quote breaks a request otherwise); encodeURIComponent leaves `'`.
 */
export function userPathOf(idOrUpn: string): string {
	if (idOrUpn.startsWith('$') || idOrUpn.includes("'")) {
		return `users('${encodeURIComponent(idOrUpn.replace(/'/g, "''"))}')`;
	}
	return `users/${encodeURIComponent(idOrUpn)}`;
}
