// Vite build of the consumer test app: relative asset URLs so it works under /vite-app/.
export default {
  base: './',
  logLevel: 'warn',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  worker: { format: 'es' },
};
