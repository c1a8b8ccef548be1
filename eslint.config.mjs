// The style the project holds itself to (../shared/STYLE.md habit 15): promises are awaited or
// explicitly voided, async functions await something, switches cover every case, equality is strict.
// And the dependency direction of ARCHITECTURE.md, held by imports (test/lint-boundaries.spec.ts):
// apps/api → schedules → deliberation → {adapters, tiering, checkpoint} → tokens → config.
import tseslint from 'typescript-eslint';

/** Each lib and the libs it may import; everything else under libs/ or apps/ is above it. */
const LIBS_BELOW = {
  config: [],
  tokens: ['config'],
  adapters: ['tokens', 'config'],
  tiering: ['tokens', 'config'],
  checkpoint: ['tokens', 'config'],
  deliberation: ['adapters', 'tiering', 'checkpoint', 'tokens', 'config'],
  schedules: ['deliberation', 'adapters', 'tiering', 'checkpoint', 'tokens', 'config'],
};
const LIBS = Object.keys(LIBS_BELOW);

/** Held in every file: a lib is used through its index only, never by its files. */
const LIB_API_ONLY = [
  { regex: '^@app/[^/]+/', message: "Import the lib through its index ('@app/<lib>'): its index.ts is its whole public API." },
  {
    regex: `^(\\.\\.?/)+(libs/[^/]+|(${LIBS.join('|')})/src)(/|$)`,
    message: "Import another lib through its index ('@app/<lib>'), not by a relative path into its folder.",
  },
];

const restricted = (extra = { paths: [], patterns: [] }) => ['error', { paths: extra.paths, patterns: [...LIB_API_ONLY, ...extra.patterns] }];

/** Per lib: the libs above it (and itself, whose index it would import in a cycle), and apps/. */
const libBoundaries = LIBS.map((lib) => ({
  files: [`libs/${lib}/**/*.ts`],
  rules: {
    '@typescript-eslint/no-restricted-imports': restricted({
      paths: LIBS.filter((other) => !LIBS_BELOW[lib].includes(other)).map((other) => ({
        name: `@app/${other}`,
        message:
          other === lib
            ? `Inside libs/${lib}, import its own files by relative path: '@app/${lib}' is its index, a cycle.`
            : `libs/${lib} may import only ${LIBS_BELOW[lib].map((l) => `@app/${l}`).join(', ') || 'no lib'} (ARCHITECTURE.md: dependencies point one way).`,
      })),
      patterns: [{ regex: '^(\\.\\.?/)+apps(/|$)', message: 'A lib never imports apps/: the app depends on the libs, not the other way round.' }],
    }),
  },
}));

export default tseslint.config(
  // apps/web is the browser page: its own tsconfig (found by the project service), same rules; its
  // schema.d.ts is generated from /docs-json (npm run openapi) and not linted.
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', '**/*.js', '**/*.mjs', 'apps/web/src/api/schema.d.ts'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/require-await': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      eqeqeq: ['error', 'always'],
      '@typescript-eslint/no-restricted-imports': restricted(),
    },
  },
  ...libBoundaries,
  // Test fakes implement async ports with plain values.
  { files: ['**/*.spec.ts', '**/*.e2e-spec.ts'], rules: { '@typescript-eslint/require-await': 'off' } },
);
