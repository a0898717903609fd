"""Settings of the async-all-the-way prototype (bench/async_stack.py)."""

from config.settings import *  # noqa: F403

MIDDLEWARE = [
    "bench.async_stack.SecurityMiddleware",
    "bench.async_stack.SessionMiddleware",
    "bench.async_stack.CommonMiddleware",
    "bench.async_stack.CsrfViewMiddleware",
    "bench.async_stack.AuthenticationMiddleware",
    "bench.async_stack.MessageMiddleware",
    "bench.async_stack.XFrameOptionsMiddleware",
    "bench.async_stack.ContentSecurityPolicyMiddleware",
    # Already async-capable without a thread: its __acall__ awaits the rest.
    "accounts.middleware.LockoutMiddleware",
]
ROOT_URLCONF = "bench.async_stack"
