// npm run dev: rebuilds the task pane on every change (vite build --watch) and restarts the server
// when its code changes (tsx watch). Reload the pane in Excel to see a change.
import { spawn } from 'node:child_process';

const children = [
  spawn('npx', ['vite', 'build', '--watch', '--mode', 'development'], { stdio: 'inherit' }),
  spawn('npx', ['tsx', 'watch', '--ignore', 'addin/**', '--ignore', 'dist/**', 'server/main.ts'], { stdio: 'inherit' }),
];
const stop = () => children.forEach((child) => child.kill('SIGTERM'));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const child of children)
  child.on('exit', (code) => {
    stop();
    process.exitCode = code ?? 0;
  });
