#!/usr/bin/env python3
"""mutate.py - the mutation harness behind `make mutate`.

Each mutant in tests/mutate/mutants.txt plants one realistic bug: one line of
one source file replaced by another.  For each, in a scratch copy of the
tree (build-mutate/tree, built once and then incrementally), this script

  1. checks that the line is still there, exactly once (after `in:`, if
     given) - a mutant whose line has moved on is STALE, not skipped;
  2. replaces it, rebuilds, and runs only the tests the mutant names, with
     PT_FAIL_FAST=1 so an end-to-end script stops at its first failure;
  3. restores the file, and says KILLED (a named test failed), SURVIVED
     (they all passed: a test is missing) or BROKEN (it does not build).

usage: mutate.py [--list] [--baseline] [NAME ...]
Exit 0 when every mutant run was KILLED, 1 otherwise, 2 on a bad list.
MUTATE_JOBS (default: the number of cores) mutants run at once, each in its
own copy of the tree (build-mutate/tree, tree-1, ...).
"""
import concurrent.futures
import threading
import os
import re
import shutil
import subprocess
import sys
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
LIST = os.path.join(TOP, 'tests', 'mutate', 'mutants.txt')
WORK = os.environ.get('MUTATE_DIR', os.path.join(TOP, 'build-mutate'))
JOBS = max(1, int(os.environ.get('MUTATE_JOBS', str(os.cpu_count() or 1))))


def tree_of(w):
    return os.path.join(WORK, 'tree' if w == 0 else 'tree-%d' % w)


def build_of(w):
    return os.path.join(WORK, 'build' if w == 0 else 'build-%d' % w)


KEYS = ('file', 'in', 'line', 'change', 'breaks', 'tests')
TIMEOUT = int(os.environ.get('MUTATE_TEST_TIMEOUT', '240'))


def parse(path):
    """Blocks of `key: value` lines under a `[name]` line; '#' starts a comment line."""
    mutants, cur = [], None
    with open(path, encoding='utf-8') as f:
        for no, raw in enumerate(f, 1):
            line = raw.rstrip('\n')
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            m = re.match(r'^\[([A-Za-z0-9_.-]+)\]\s*$', line)
            if m:
                cur = {'name': m.group(1), 'at': no}
                mutants.append(cur)
                continue
            m = re.match(r'^(\w+):\s?(.*)$', line)
            if not m or cur is None or m.group(1) not in KEYS:
                sys.exit('%s:%d: expected "[name]" or one of %s' % (path, no, ', '.join(k + ':' for k in KEYS)))
            cur[m.group(1)] = m.group(2).strip()
    names = set()
    for mu in mutants:
        for k in ('file', 'line', 'change', 'breaks', 'tests'):
            if not mu.get(k):
                sys.exit('%s:%d: mutant %s has no %s:' % (path, mu['at'], mu['name'], k))
        if mu['name'] in names:
            sys.exit('%s:%d: mutant %s is listed twice' % (path, mu['at'], mu['name']))
        if mu['line'] == mu['change']:
            sys.exit('%s:%d: mutant %s changes nothing' % (path, mu['at'], mu['name']))
        names.add(mu['name'])
        mu['tests'] = mu['tests'].split()
    return mutants


def locate(text, mu):
    """Index of the one line equal (spaces aside) to mu['line'], after the first line holding mu['in']."""
    lines = text.split('\n')
    start = 0
    if mu.get('in'):
        hits = [i for i, l in enumerate(lines) if mu['in'] in l]
        if len(hits) != 1:
            return None, '"in: %s" is on %d lines' % (mu['in'], len(hits))
        start = hits[0]
    want = mu['line'].strip()
    hits = [i for i in range(start, len(lines)) if lines[i].strip() == want]
    if not hits:
        return None, 'the line is not there'
    if not mu.get('in') and len(hits) > 1:
        return None, 'the line is there %d times: say where with in:' % len(hits)
    return hits[0], None


def tracked_files():
    try:
        out = subprocess.run(['git', '-C', TOP, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], check=True, capture_output=True).stdout
        return [p for p in out.decode().split('\0') if p]
    except (OSError, subprocess.CalledProcessError):
        keep = ('CMakeLists.txt', 'src', 'include', 'tests', 'bench', 'fuzz')
        files = []
        for k in keep:
            p = os.path.join(TOP, k)
            if os.path.isfile(p):
                files.append(k)
            for d, _, fs in os.walk(p):
                files += [os.path.relpath(os.path.join(d, f), TOP) for f in fs]
        return files


def sync_tree(tree):
    """Copies into the scratch tree what differs, so the build stays incremental."""
    for rel in tracked_files():
        src, dst = os.path.join(TOP, rel), os.path.join(tree, rel)
        if not os.path.isfile(src):
            continue
        with open(src, 'rb') as f:
            data = f.read()
        try:
            with open(dst, 'rb') as f:
                if f.read() == data:
                    continue
        except OSError:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
        # a fresh mtime (not copy2's): make must see the file as newer than
        # the objects built from its previous content
        shutil.copyfile(src, dst)
        shutil.copymode(src, dst)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def targets_for(tests):
    """What the named tests run: a unit test its own binary, an end-to-end test the command."""
    return sorted({'test_' + t[len('unit_'):] if t.startswith('unit_') else 'phonetrust-cli' for t in tests})


def build(bdir, targets=None):
    """Everything, or only targets (a mutant relinks just what its tests run)."""
    cmd = ['cmake', '--build', bdir, '-j', str(max(1, (os.cpu_count() or 2) // JOBS))]
    if targets:
        cmd += ['--target'] + targets
    r = run(cmd)
    return r.returncode == 0, r.stdout + r.stderr


def ctest(bdir, tests):
    regex = '^(' + '|'.join(re.escape(t) for t in tests) + ')$'
    env = dict(os.environ, PT_FAIL_FAST='1')
    r = run(['ctest', '--test-dir', bdir, '-R', regex, '--timeout', str(TIMEOUT), '--stop-on-failure',
             '--output-on-failure'], env=env)
    failed = re.findall(r'\d+ - (\S+) \((?:Failed|Timeout|SEGFAULT|Subprocess aborted|Child aborted|\w+)\)', r.stdout)
    first = next((l.strip() for l in r.stdout.splitlines()
                  if l.startswith('not ok') or '[  FAILED  ]' in l or 'Timeout' in l), '')
    return r.returncode, failed, first


def known_tests():
    r = run(['ctest', '--test-dir', build_of(0), '-N'])
    return set(re.findall(r'Test\s+#\d+: (\S+)', r.stdout))


def try_mutant(w, mu):
    """Plants mu in worker w's tree, builds, runs its tests, restores: (verdict, detail, seconds)."""
    path = os.path.join(tree_of(w), mu['file'])
    with open(path, encoding='utf-8') as f:
        original = f.read()
    idx, why = locate(original, mu)
    t1 = time.time()
    if idx is None:
        return 'STALE', '%s: %s' % (mu['file'], why), 0.0
    lines = original.split('\n')
    indent = lines[idx][:len(lines[idx]) - len(lines[idx].lstrip())]
    lines[idx] = indent + mu['change']
    try:
        with open(path, 'w', encoding='utf-8') as f:
            f.write('\n'.join(lines))
        ok, log = build(build_of(w), targets_for(mu['tests']))
        if not ok:
            err = next((l for l in log.splitlines() if 'error' in l), log[-300:])
            verdict, detail = 'BROKEN', err.strip()
        else:
            rc, failed, first = ctest(build_of(w), mu['tests'])
            if rc:
                verdict, detail = 'KILLED', 'by %s%s' % (','.join(failed) or '?', ': ' + first if first else '')
            else:
                verdict, detail = 'SURVIVED', 'passed: ' + ' '.join(mu['tests'])
    finally:
        with open(path, 'w', encoding='utf-8') as f:
            f.write(original)
    return verdict, detail, time.time() - t1


def main(argv):
    only = [a for a in argv if not a.startswith('--')]
    mutants = parse(LIST)
    if '--list' in argv:
        for mu in mutants:
            print('%-28s %-28s %s' % (mu['name'], mu['file'], mu['breaks']))
        return 0
    if only:
        unknown = set(only) - {m['name'] for m in mutants}
        if unknown:
            sys.exit('no such mutant: %s' % ', '.join(sorted(unknown)))
        mutants = [m for m in mutants if m['name'] in only]

    jobs = max(1, min(JOBS, len(mutants)))

    def prepare(w):
        os.makedirs(tree_of(w), exist_ok=True)
        sync_tree(tree_of(w))
        # every time: an existing build-mutate/ may predate an option.  A new
        # one uses Ninja when it is there: each mutant rebuilds, and make's
        # look at every target costs 0.7 s a mutant where Ninja's costs none
        gen = []
        if shutil.which('ninja') and not os.path.exists(os.path.join(build_of(w), 'CMakeCache.txt')):
            gen = ['-G', 'Ninja']
        r = run(['cmake', '-S', tree_of(w), '-B', build_of(w), '-DCMAKE_BUILD_TYPE=Debug', '-DPT_WERROR=OFF',
                 '-DPT_TESTS=ON'] + gen)
        if r.returncode:
            return False, r.stdout + r.stderr
        return build(build_of(w))

    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        for ok, log in ex.map(prepare, range(jobs)):
            if not ok:
                print(log[-3000:])
                print('mutate: the unmutated tree does not build')
                return 2
    have = known_tests()
    bad = [(m['name'], t) for m in mutants for t in m['tests'] if t not in have]
    if bad:
        for name, t in bad:
            print('mutate: mutant %s names %s, which is no test (ctest -N)' % (name, t))
        return 2
    if '--baseline' in argv:
        tests = sorted({t for m in mutants for t in m['tests']})
        rc, failed, first = ctest(build_of(0), tests)
        if rc:
            print('mutate: the named tests fail without any mutant: %s %s' % (' '.join(failed), first))
            return 2
        print('baseline: %d named tests pass unmutated' % len(tests))

    counts = {'KILLED': 0, 'SURVIVED': 0, 'STALE': 0, 'BROKEN': 0}
    t0 = time.time()
    free = list(range(jobs))
    lock = threading.Lock()
    done = [0]

    def one(mu):
        with lock:
            w = free.pop()
        try:
            verdict, detail, secs = try_mutant(w, mu)
        finally:
            with lock:
                free.append(w)
        with lock:
            done[0] += 1
            counts[verdict] += 1
            print('%-8s %3d/%d %-30s %5.1fs  %s' % (verdict, done[0], len(mutants), mu['name'], secs, detail[:160]),
                  flush=True)
            if verdict != 'KILLED':
                print("         mutants.txt:%d %s: %s" % (mu["at"], mu["file"], mu["breaks"]), flush=True)

    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        list(ex.map(one, mutants))
    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        list(ex.map(lambda w: build(build_of(w)), range(jobs)))  # leave the scratch builds unmutated
    total = len(mutants)
    print('mutate: %d mutants, %d killed, %d survived, %d stale, %d broken (%.0f s)' %
          (total, counts['KILLED'], counts['SURVIVED'], counts['STALE'], counts['BROKEN'], time.time() - t0))
    return 0 if counts['KILLED'] == total else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
