// Lints source texts with the project's own eslint.config.mjs, import rules only, and prints the
// messages as JSON: test/lint-boundaries.spec.ts runs it in a child process because Jest's module
// sandbox cannot load the ESM config file. Reads [{ filePath, code }] on stdin, relative to the root.
// The type-aware parser service is off: no import rule needs types, and it would refuse files that
// do not exist on disk.
import { ESLint } from 'eslint';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cases = JSON.parse(
  await new Promise((resolve) => {
    let text = '';
    process.stdin
      .setEncoding('utf8')
      .on('data', (chunk) => (text += chunk))
      .on('end', () => resolve(text));
  }),
);
const eslint = new ESLint({
  cwd: root,
  ruleFilter: ({ ruleId }) => ruleId === '@typescript-eslint/no-restricted-imports',
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
});
const results = [];
for (const { filePath, code } of cases) {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  results.push(result.messages.map(({ ruleId, severity, message, line }) => ({ ruleId, severity, message, line })));
}
process.stdout.write(JSON.stringify(results));
