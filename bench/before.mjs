// BENCH_BEFORE=<git ref>: that ref's Switchyard, built in a temporary `git worktree`, so the bench
// measures it beside this tree's in the same run. Its node_modules reuses this tree's installed
// packages (symlinked), except the workspace links (@switchyard/*), which point into the temp tree.

import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function git(repoRoot, args) {
  return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/**
 * Mirrors `from` (a node_modules folder) into `to`: installed packages as absolute symlinks to
 * `from`, workspace links (relative symlinks, e.g. `../../core`) copied as they are, so they
 * resolve inside the temp tree.
 */
function linkNodeModules(from, to) {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    if (name.startsWith('.') && name !== '.bin') continue; // .package-lock.json, caches
    const source = join(from, name);
    const stat = lstatSync(source);
    if (name.startsWith('@') && stat.isDirectory()) linkNodeModules(source, join(to, name));
    else if (stat.isSymbolicLink() && !readlinkSync(source).startsWith('/'))
      symlinkSync(readlinkSync(source), join(to, name));
    else symlinkSync(source, join(to, name));
  }
}

/**
 * Checks out `ref` in a temp worktree, links node_modules and builds it as `npm run build` would
 * for a start: `tsc -b`, its generated validators (when it has the script; without them it
 * compiles its schemas at start and reads several MB high) and the console's page when this tree
 * has it built; `setting` names the variable that asked for it in messages. Returns its root,
 * commit and label (`before@<short commit>`) and `remove()`,
 * which deletes the worktree.
 */
export function prepareBefore(ref, repoRoot, log, setting = 'BENCH_BEFORE') {
  let commit;
  try {
    commit = git(repoRoot, ['rev-parse', '--verify', `${ref}^{commit}`]);
  } catch {
    throw new Error(`${setting}=${ref}: not a commit in this repository`);
  }
  const root = mkdtempSync(join(tmpdir(), 'switchyard-bench-before-'));
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    try {
      git(repoRoot, ['worktree', 'remove', '--force', root]);
    } catch {
      rmSync(root, { recursive: true, force: true });
      try {
        git(repoRoot, ['worktree', 'prune']);
      } catch {
        /* nothing left to prune */
      }
    }
  };
  try {
    log(`${setting}=${ref}: checking out ${commit.slice(0, 10)} in ${root} and building it…`);
    git(repoRoot, ['worktree', 'add', '--detach', root, commit]);
    linkNodeModules(join(repoRoot, 'node_modules'), join(root, 'node_modules'));
    const quiet = { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] };
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], quiet);
    const validators = join(root, 'scripts', 'precompile-validators.mjs');
    if (existsSync(validators)) execFileSync(process.execPath, [validators], quiet);
    if (existsSync(join(repoRoot, 'plugins', 'console', 'dist', 'web')))
      execFileSync('npm', ['run', 'build:web', '--workspaces', '--if-present'], quiet);
  } catch (err) {
    remove();
    const output = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim();
    throw new Error(
      `${setting}=${ref}: could not build it: ${err.message}${output ? `\n${output.slice(-4000)}` : ''}`,
      { cause: err },
    );
  }
  return { root, commit, label: `before@${commit.slice(0, 7)}`, remove };
}
