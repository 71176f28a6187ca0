"""The file Locust loads: contract verdicts for every response of a Locust run (`contracts.load.users`).

    pip install -e '.[load]'
    CONTRACT_API_TOKEN=... locust -f contracts/locustfile.py --headless -u 50 -r 10 -t 60s --host https://staging.example.com

Locust finds the user class and the event listeners by importing this file; they live in `contracts.load`.
"""

from contracts.load.users import ContractUser

__all__ = ["ContractUser"]
