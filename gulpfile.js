const { src, dest, parallel } = require('gulp');

/** What tsc does not emit: node and credential icons, codex files, and the shipped workflow templates. */
function copyNodeAssets() {
	return src(['nodes/**/*.{png,svg}', 'nodes/**/*.node.json', 'credentials/**/*.{png,svg}'], {
		base: '.',
		encoding: false,
	}).pipe(dest('dist'));
}

function copyWorkflowTemplates() {
	return src('workflows/*.json', { base: '.' }).pipe(dest('dist'));
}

exports.build = parallel(copyNodeAssets, copyWorkflowTemplates);
exports.default = exports.build;
