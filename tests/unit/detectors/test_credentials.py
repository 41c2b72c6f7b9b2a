"""Credentials: every family's positives and look-alikes, the rules file's validation and
bounded work on large config dumps. All values are made up here (never corpus rows)."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest

from detectors.recognisers.credential_rules import RuleError, load_rules_file
from detectors.recognisers.credentials import (
    CHECKS,
    CredentialRecogniser,
    entropy,
    is_placeholder,
)


def _b64url(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def _jwt() -> str:
    head = _b64url({"alg": "HS256", "typ": "JWT"})
    body = _b64url({"sub": "4417", "iat": 1716239022})
    return f"{head}.{body}.Qm9ndXNTaWduYXR1cmVGb3JUZXN0czEyMzQ1Njc4OTA"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


_PEM_BODY = "MIIEowIBAAKCAQEAwJ5k3v0Q9fX2hZ1yL8mN4pR7sT6uV9wX2yZ3aB4cD5eF6gH7"

# (text, expected entity) — one or more per family named in issue 14
SECRETS = [
    # cloud
    ("AWS_ACCESS_KEY_ID=AKIAQ3EGRJW7LX5TYM2P", "AWS_ACCESS_KEY"),
    ("aws_secret_access_key = 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", "AWS_SECRET_KEY"),
    ("client_secret=Xq71Q~Vb3nLk9sPm2TzR8wYc4Ud6Ef0GhJa5KiMo", "AZURE_CLIENT_SECRET"),
    (
        "DefaultEndpointsProtocol=https;AccountName=claimsstore;AccountKey="
        "u7Yk2Qp9Lm3Nx8Rv1Ts6Wb4Zc0Df5Gh2Jk7Lm9Np3Qr8St1Uv6Wx4Yz0Ab5Cd2Ef7Gh9Jk3Lm8Np1Qr6St4Uv==;",
        "AZURE_STORAGE_KEY",
    ),
    (
        "https://claims.blob.core.windows.net/c?sv=2022-11-02&ss=b&sig=k3Jf8Qw2Lm9Xv4Tz7Rb1Nc6Yp0Hd5Sa2Ge8Ui3Ko%3D",
        "AZURE_SAS_TOKEN",
    ),
    ("key=AIzaSyD7k2Lm9Qp3Xv8Rt1Ns6Wb4Zc0Df5Gh2Jk", "GCP_API_KEY"),
    (
        '{"type": "service_account", "project_id": "claims-prod", '
        '"private_key_id": "3f9a2c7e1b4d8f6a0c5e9b2d7f1a4c8e6b0d3f5a"}',
        "GCP_SERVICE_ACCOUNT_KEY",
    ),
    # source control and CI
    ("token ghp_jkVpHc4owSksJeLVLEfF6gwneqU7raT35Xl8", "GITHUB_TOKEN"),
    ("GITLAB_TOKEN=glpat-x9Kd8sL2mQ4vB7nR1tYz", "GITLAB_TOKEN"),
    ("BITBUCKET_APP_PASSWORD=ATBB7kQ2mX9vL4pR8tN1sW6yZ3cF5hJ0gD2bK7aE", "BITBUCKET_CREDENTIAL"),
    (
        "jira token ATATT3xFfGF0" + "k7Qm2Xp9Lv4Rt8Ns1Wb6Zc3Df5Gh0Jk2Lm" * 4 + "=A1B2C3D4",
        "ATLASSIAN_TOKEN",
    ),
    ("JENKINS_API_TOKEN=11f3a9c27e4b8d6f0a5c1e9b7d3f2a4c68", "JENKINS_TOKEN"),
    # package registries
    ("//registry.npmjs.org/:_authToken=npm_Q7k2Lm9Xp3Rv8Tn1Ws6Yb4Zc0Df5Gh2Jk7Lm", "NPM_TOKEN"),
    (
        "[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmcCJGQ3ZjlhMmM3LWUxYjQtNGQ4Zi02YTBjLTVlOWIyZDdmMWE0YwACKlszLCJhYmMiXQ",
        "PYPI_TOKEN",
    ),
    ("nuget push x.nupkg -k oy2k7qm2xp9lv4rt8ns1wb6zc3df5gh0jk2lm9np3qr8st", "NUGET_KEY"),
    ("docker login -u ops -p dckr_pat_K7qM2xP9lV4rT8nS1wB6zC3dF5g", "DOCKER_HUB_TOKEN"),
    # messaging
    ("slack xoxb-2934871234-2938475612-aZ8kLm3Nq9Rt5Vx2", "SLACK_TOKEN"),
    (
        "https://hooks.slack.com/services/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",
        "SLACK_WEBHOOK",
    ),
    (
        "https://contoso.webhook.office.com/webhookb2/7f3a9c2e-1b4d-4f6a-8c5e-9b2d7f1a4c8e@"
        "2e6b0d3f-5a7c-4e9b-8d1f-3a5c7e9b1d2f/IncomingWebhook/4c8e6b0d3f5a7c9e1b2d4f6a8c0e2b4d/"
        "9b2d7f1a-4c8e-4b0d-9f5a-7c9e1b2d4f6a",
        "TEAMS_WEBHOOK",
    ),
    ("TWILIO_API_KEY=SK3f9a2c7e1b4d8f6a0c5e9b2d7f1a4c8e", "TWILIO_KEY"),
    (
        "SENDGRID_API_KEY=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",
        "SENDGRID_KEY",
    ),
    ("MAILGUN_KEY=key-3f9a2c7e1b4d8f6a0c5e9b2d7f1a4c8e", "MAILGUN_KEY"),
    # payments
    ("stripe.api_key = 'sk_live_51Hk7Qm2Xp9Lv4Rt8Ns1Wb6Zc3Df5'", "STRIPE_KEY"),
    ("SQUARE_TOKEN=sq0atp-K7qM2xP9lV4rT8nS1wB6zC", "SQUARE_TOKEN"),
    # identity
    ("Authorization: SSWS 00k7Qm2Xp9Lv4Rt8Ns1Wb6Zc3Df5Gh0Jk2Lm9Np3Qr", "OKTA_TOKEN"),
    ("AUTH0_CLIENT_SECRET=k7Qm2Xp9Lv4Rt8Ns1Wb6Zc3Df5Gh0Jk2Lm9Np3Qr8St1Uv6W", "AUTH0_SECRET"),
    # secret stores
    ("export VAULT_TOKEN=hvs.CAESIK7qM2xP9lV4rT8nS1wB6zC3dF5gH0jK2lM9nP3qR8", "VAULT_TOKEN"),
    ("DOPPLER_TOKEN=dp.st.prd.K7qM2xP9lV4rT8nS1wB6zC3dF5gH0jK2lM9nP3qR8sT", "DOPPLER_TOKEN"),
    # observability
    ("GRAFANA_TOKEN=glsa_K7qM2xP9lV4rT8nS1wB6zC3dF5gH0jK2_3f9a2c7e", "GRAFANA_TOKEN"),
    ("NEW_RELIC_API_KEY=NRAK-K7QM2XP9LV4RT8NS1WB6ZC3DF5G", "NEW_RELIC_KEY"),
    ("DATADOG_API_KEY=3f9a2c7e1b4d8f6a0c5e9b2d7f1a4c8e", "DATADOG_KEY"),
    ('curl -H "Authorization: Splunk 3f9a2c7e-1b4d-4f6a-8c5e-9b2d7f1a4c8e" https://hec:8088', None),
    # AI providers
    ("OPENAI_API_KEY=sk-proj-4fG7hJ2kL9mN3pQ6rS8tV1wX5yZ0aB", "OPENAI_API_KEY"),
    ("key sk-ant-api03-Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Jh0Gf9Ed8Cb7", "ANTHROPIC_API_KEY"),
    ("HF_TOKEN=hf_k7Qm2Xp9Lv4Rt8Ns1Wb6Zc3Df5Gh0Jk2Lm9", "HUGGINGFACE_TOKEN"),
    ("GROQ_API_KEY=gsk_k7Qm2Xp9Lv4Rt8Ns1Wb6Zc3Df5Gh0Jk2Lm9Np3Qr8St1Uv6Wx4Y", "GROQ_API_KEY"),
    ("MISTRAL_API_KEY=k7Qm2Xp9Lv4Rt8Ns1Wb6Zc3Df5Gh0Jk2L", None),
    # JWTs and private keys
    ("Authorization: Bearer " + _jwt(), None),
    (_jwt().rsplit(".", 1)[0], "JWT"),
    (f"-----BEGIN RSA PRIVATE KEY-----\n{_PEM_BODY}\n-----END", "PRIVATE_KEY"),
    (f"-----BEGIN OPENSSH PRIVATE KEY-----\n{_PEM_BODY}\n", "PRIVATE_KEY"),
    (f'"private_key": "-----BEGIN PRIVATE KEY-----\\n{_PEM_BODY}\\n"', "PRIVATE_KEY"),
    (f"-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{_PEM_BODY}\n", "PRIVATE_KEY"),
    (
        "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: ops\nPublic-Lines: 2\n"
        "AAAAC3NzaC1lZDI1NTE5AAAAIK7qM2xP9lV4rT8nS1wB6zC3dF5gH0jK2lM9nP3qR8sT\n"
        "Private-Lines: 1\nAAAAIK7qM2xP9lV4rT8nS1wB6zC3dF5gH0jK2lM9nP3qR8sT\n",
        "PRIVATE_KEY",
    ),
    # password hashes
    ("admin:$2b$12$k7Qm2Xp9Lv4Rt8Ns1Wb6ZeC3Df5Gh0Jk2Lm9Np3Qr8St1Uv6Wx4Yz", "PASSWORD_HASH"),
    (
        "root:$6$Qm2Xp9Lv$k7Qm2Xp9Lv4Rt8Ns1Wb6Zc3Df5Gh0Jk2Lm9Np3Qr8St1Uv6Wx4Yz0Ab5Cd2Ef7Gh9Jk3Lm8Np1Qr6St4Uv2Wx:19700:0:99999:7:::",
        "PASSWORD_HASH",
    ),
    (
        "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$K7qM2xP9lV4rT8nS1wB6zC3dF5gH0jK2lM9nP3qR8sT",
        "PASSWORD_HASH",
    ),
    (
        "pbkdf2_sha256$600000$Qm2Xp9Lv4Rt8$K7qM2xP9lV4rT8nS1wB6zC3dF5gH0jK2lM9nP3qR8sT=",
        "PASSWORD_HASH",
    ),
    # URIs, connection strings, config files
    ("postgres://claims_app:Tr0ub4dor%26x9@db.internal:5432/claims", "URI_CREDENTIALS"),
    ("redis://:Dragon723%2511oM@cache:6379/0", "URI_CREDENTIALS"),
    ("amqp://orders:Qv7#mK2pL9@rabbit.internal:5672/", "URI_CREDENTIALS"),
    ("Server=db;Database=claims;User Id=app;Password=Xk93!mPq2z;", "CONNECTION_STRING"),
    ("Driver={ODBC Driver 18};Server=sql01;Uid=svc;Pwd={Hq4$vL9#zR};", "CONNECTION_STRING"),
    ("jdbc:mysql://db:3306/claims?user=svc&password=Wm7!kQ2xLp", "CONNECTION_STRING"),
    ("jdbc:oracle:thin:scott/Tg5#pL8qWz@//ora01:1521/CLAIMS", "CONNECTION_STRING"),
    ("machine api.internal.example login deploy password Rk8#mQ2vLx9", "NETRC_CREDENTIALS"),
    (
        '{"auths": {"registry.internal:5000": {"auth": "' + _b64("deploy:Vq8#kL2mXp9") + '"}}}',
        "DOCKER_AUTH",
    ),
    (
        "users:\n- name: ops\n  user:\n    client-key-data: "
        + _b64("-----BEGIN RSA PRIVATE KEY-----\n" + _PEM_BODY + "\n")
        + "\n",
        "KUBERNETES_CLIENT_KEY",
    ),
    (
        "users:\n- name: ops\n  user:\n    token: k7Qm2Xp9Lv4Rt8Ns1Wb6Zc3Df5Gh0Jk2Lm9Np3Qr8\n",
        "KUBERNETES_TOKEN",
    ),
    # generic: assignments, flags, headers, prose
    ("POSTGRES_PASSWORD=Summer298#dQob", "GENERIC_PASSWORD"),
    ('db_password = "Vq8#kL2mXp9"', "GENERIC_PASSWORD"),
    ('admin_password = "Kq8#vL2mXp"  # tfvars', "GENERIC_PASSWORD"),
    ("REACT_APP_AUTH_PASSWORD=Ht6!wQ3zNm", "GENERIC_PASSWORD"),
    ("mysql -u claims -pHq4vL9zRw2 claims_db", "GENERIC_PASSWORD"),
    ("./deploy.sh --password 'Wm7!kQ2xLp' --env prod", "GENERIC_PASSWORD"),
    ("curl --user 'jsmith:Hq4~vL9zR2' https://api.internal/claims", "GENERIC_PASSWORD"),
    ("secret_key: k7Qm2Xp9Lv4Rt8Ns1Wb6Zc3D", "GENERIC_SECRET"),
    ('"api_key": "k7Qm2Xp9Lv4Rt8Ns1Wb6"', "GENERIC_SECRET"),
    ("Authorization: Basic " + _b64("svc-claims:Vq8#kL2mXp9"), "BASIC_AUTH"),
    ("my password is Gr4nary&Wharf19 and it doesn't meet the rules", "GENERIC_PASSWORD"),
    ("Guest Wi-Fi password Leeds#Quarry2025", "GENERIC_PASSWORD"),
    ("The password for the claims portal is now Tamar!Bridge77.", "GENERIC_PASSWORD"),
    ("I changed my password to Marmalade_77 yesterday", "GENERIC_PASSWORD"),
    ("The new VPN passphrase is 'copper kettle morning drizzle'", "GENERIC_PASSWORD"),
    ("The default password is 'bramblewick'", "GENERIC_PASSWORD"),
    ("REACT_APP_AUTH_PASSWORD=kingfisher", "GENERIC_PASSWORD"),
    ("[smtp]\nPassword=lanternfish\n", "GENERIC_PASSWORD"),
    ('new NetworkCredential("svc-mail", "Qk8vLm2xWp")', "GENERIC_PASSWORD"),
    ("postgresql://app:secret@db.internal/claims", "URI_CREDENTIALS"),
    (
        "00D8d000001AbCd!AQ4AQK7qM2xP9lV4rT8nS1wB6zC3dF5gH0jK2lM9nP3qR8sT1uV6wX4yZ0aB5cD2eF7"
        "gH9jK3lM8nP1qR6sT4uV2wX5yZ7aB9cD1eF3gH5jK",
        "SALESFORCE_TOKEN",
    ),
    # vendor formats: the prefix is the evidence, a masked body still counts
    ("X-JFrog-Art-Api: AKCq7Lm2Xp9Rt4Vb", "ARTIFACTORY_CREDENTIAL"),
    ('artifactory_pw="AP3Lm9Qp2Xv8Rt"', "ARTIFACTORY_CREDENTIAL"),
    ("ARTIFACTORY_API_KEY=AKC" + "x" * 12, "ARTIFACTORY_CREDENTIAL"),
    ("TWILIO_API_KEY=SK" + "x" * 32, "TWILIO_KEY"),
    ("//registry.npmjs.org/:_authToken=npm_xxxxxxxxxxxx", "NPM_TOKEN"),
    (
        "https://hooks.slack.com/services/Txxxxxxxx/Bxxxxxxxx/xxxxxxxxxxxxxxxxxxxxxxxx",
        "SLACK_WEBHOOK",
    ),
    ("GITLAB_TOKEN=glpat-my-token-for-ci-X9q2Lm", "GITLAB_TOKEN"),
    # generic: unquoted symbol-heavy values to the end of the line, ini continuations
    ("db_secret = Q,.:-@*?!7x", "GENERIC_SECRET"),
    ('api_token := "K,.:-¨@*¿?!"', None),
    ("[svc]\nclaims_api_key =\n    Lm9Qp2Xv8Rt4Vb\n", "GENERIC_SECRET"),
    # notes, tables, XML and header pairs
    ("Jira token - 'Qk7Lm2Xp9Rt4Vb8Ns1Wc'", "GENERIC_SECRET"),
    ("Variable | Value\napiKey |9f3a2c7e1b4d8f6a0c5e9b2d7f1a4c8e", "GENERIC_SECRET"),
    ("<secret>{AQAAABAAAAAQk7Qm2Xp9Lv4Rt8Ns1Wb6Zc3Df5=}</secret>", "GENERIC_SECRET"),
    ("<server><id>nexus</id><password>Hq4vL9zRw2k</password></server>", None),
    ('req.Header.Set("Claims-Api-Key", "Qk7Lm2Xp9Rt4Vb8Ns1Wc6")', "GENERIC_SECRET"),
    # vendor prefixes, AWS key ids outside base32 or typed in lower case
    ("CLOUDFLARE_API_TOKEN=cfat_Qk7Lm2Xp9Rt4Vb8Ns1Wc6Yd3Fg5Hj0Kl2Mn4Pq6Rs8T", "SAAS_API_TOKEN"),
    ("FIGMA_TOKEN=figd_Qk7Lm2Xp9Rt4Vb8Ns1Wc6Yd3Fg5Hj0Kl2Mn4Pq6Rs", "SAAS_API_TOKEN"),
    ("heroku: HRKU-Qk7Lm2Xp9Rt4Vb8Ns1Wc6Yd3Fg5Hj0Kl2Mn4", "SAAS_API_TOKEN"),
    ('"AccessKeyId": "AKIA0QK7LM2XP9RT4VB8"', "AWS_ACCESS_KEY"),
    ("access key (lower-cased, uppercase it): akiaq3egrjw7lx5tym2p", "AWS_ACCESS_KEY"),
    ("ID:svc-claims PW:Tamar7Bridge!", "GENERIC_PASSWORD"),
    ("10.1.2.3 (pw:Hq4vL9zRw2)", "GENERIC_PASSWORD"),
    ("my password is Your$unny7Day!", "GENERIC_PASSWORD"),
    ('password = "TodoList#2024x"', "GENERIC_PASSWORD"),
    # three random words (NCSC advice), after a password cue
    ("my email password is coffeetrainfish, is it strong?", "GENERIC_PASSWORD"),
    ("The VPN password is CopperKettleDrizzle - is that ok?", "GENERIC_PASSWORD"),
    ("pwd=purplemonkeydishwasher", "GENERIC_PASSWORD"),
    # key material without its armour (base64 of openssh-key-v1 / PKCS#8 / PKCS#1 DER)
    ("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW", "PRIVATE_KEY"),
    ("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCxK7qM2xP9", "PRIVATE_KEY"),
    (
        "key:\nMIIEowIBAAKCAQEAm9sFwLh7G0egsCikLNo7DNxwE1VeIapc\nQk7Lm2Xp9Rt4Vb8Ns1Wc6Yd3",
        "PRIVATE_KEY",
    ),
    # tokens split into string literals the way code writes them (red-team RT-14)
    ('key = "AKIAQ3EG" + "RKTN7V2XPZ5M"', "AWS_ACCESS_KEY"),
    ("TOKEN = ''.join(['ghp_', 'jkVpHc4owSksJeLV', 'LEfF6gwneqU7raT35Xl8'])", "GITHUB_TOKEN"),
    # SQL, libcurl, PowerShell, misspelt keys, flags, e-mail logins in URIs
    ("ALTER USER 'claims'@'%' IDENTIFIED BY 'Kq8vL2mXp';", "GENERIC_PASSWORD"),
    ("CREATE USER hr_app IDENTIFIED BY Wm7kQ2xLp9;", "GENERIC_PASSWORD"),
    ('curl_easy_setopt(c, CURLOPT_USERPWD, "svc:Hq4vL9zRw2");', "GENERIC_PASSWORD"),
    ('$pw = ConvertTo-SecureString "Tamar7Bridge!" -AsPlainText -Force', "GENERIC_PASSWORD"),
    ("PSWD:=Kq8vL2mXp9", "GENERIC_PASSWORD"),
    ("deploy --super-secret_token 7f3a2c9e-1b4d-4f6a-9c5e-2d7f1a4c8e6b", "GENERIC_SECRET"),
    ('smtp = "smtps://claims.team@gmail.com:Qk7Lm2Xp@smtp.gmail.com:465"', "URI_CREDENTIALS"),
    ("POSTHOG_KEY=phs_Qk7Lm2Xp9Rt4Vb8Ns1Wc6Yd3Fg5Hj0Kl2Mn4Pq6Rs8T", "SAAS_API_TOKEN"),
    # Kingfisher's vendor rules (Apache-2.0)
    ("SHODAN_API_KEY = Qk7Lm2Xp9Rt4Vb8Ns1Wc6Yd3Fg5Hj0Kl", "SHODAN_CREDENTIAL"),
    ("posthog = phx_Qk7Lm2Xp9Rt4Vb8Ns1Wc6Yd3Fg5Hj0Kl2Mn4Pq6Rs8T", None),
    # distinctive vendor prefixes count with a masked or filler body
    ("SHIPPO_API_KEY=shippo_live_" + "x" * 40, "SAAS_API_TOKEN"),
    ("token=pgar_" + "a" * 27, "SAAS_API_TOKEN"),
    ("const key = 'da2-" + "q" * 26 + "'", "SAAS_API_TOKEN"),
    ("LANGFUSE_SECRET_KEY=sk-lf-3f2a9c1e-7b4d-4e8a-9c2f-1d6e8b3a5c7f", "SAAS_API_TOKEN"),
    ("LD_SDK_KEY=sdk-k7q2m9xp-4vb8-4ns1-wc6y-d3fg5hj0kl2m", "SAAS_API_TOKEN"),
    ("BBDC-" + "Qk7Lm2Xp9Rt4Vb8Ns1Wc6Yd3Fg5Hj0Kl2Mn4Pq6Rs8T", "SAAS_API_TOKEN"),
    # NTLM type-3 responses, bare authorization values, C / RPM macros, JWKs, X bearers
    (
        "Authorization: NTLM TlRMTVNTUAADAAAAGAAYAEgAAAAYABgAYAAAAAAAAAB4AAAACAAIAHgAAAAQABAAgAAA"
        "Qk7Lm2Xp9Rt4Vb8N",
        "NTLM_RESPONSE",
    ),
    ('"authorization": "Qk7Lm2Xp9Rt4Vb8Ns1Wc6Yd3Fg5Hj0K"', "AUTH_HEADER_TOKEN"),
    ('    --oauth2-bearer "Hq4vL9zRw2Qk7Lm2Xp9R==" \\', "GENERIC_SECRET"),
    ('#define API_TOKEN "Qk7Lm2Xp9Rt4Vb8Ns1Wc6"', None),
    ("%define token 9f3a2c7e1b4d4f6a9c5e2d7f1a4c8e6b", "GENERIC_SECRET"),
    ('{"kty": "oct", "kid": "hmac-1", "k": "Qk7Lm2Xp9Rt4Vb8Ns1Wc6Yd3Fg5Hj0Kl"}', "PRIVATE_KEY"),
    ('{"d": "Hq4vL9zRw2Qk7Lm2Xp9Rt4Vb8Ns1Wc6Yd3", "crv": "P-256", "kty": "EC"}', "PRIVATE_KEY"),
    (
        "BEARER=AAAAAAAAAAAAAAAAAAAAAQk7Lm2Xp9Rt%2BVb8Ns1Wc6Yd3Fg5Hj0Kl2Mn4Pq6Rs8Tu0Vw2Xy4Za6",
        "TWITTER_TOKEN",
    ),
]

LOOKALIKES = [
    "Use AKIAIOSFODNN7EXAMPLE from the AWS docs",
    "set OPENAI_API_KEY=sk-your-key-here",
    "OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "postgres://user:password@localhost:5432/db",
    "postgres://${DB_USER}:${DB_PASSWORD}@db:5432/x",
    "DB_PASSWORD=${DB_PASSWORD}",
    "password: <your-password>",
    "api_key = <your-key>",
    'password = "changeme"',
    "password = os.environ['PASSWORD']",
    "password = request.form['password']",
    "password = getpass.getpass()",
    "token = tokens[0]",
    "max_tokens: 1024",
    "tokenizer = AutoTokenizer.from_pretrained('bert-base-uncased')",
    'password = "securepassword"',
    "def check_password(password: str) -> bool:",
    "commit 3f786850e387550fdab836ed7e6dc881de23001b",
    "What is a JWT and how is it signed?",
    "-----BEGIN RSA PRIVATE KEY----- is the header of a PEM file; what follows it?",
    "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
    "Your password must be at least 12 characters and include a number.",
    "I forgot my password, how do I reset it?",
    "The password is stored as a bcrypt hash.",
    "curl -u <user:password> https://api.example.com",
    "secret_name: claims-db-credentials",
    'client_secret: "{{ vault_client_secret }}"',
    "X-Api-Key: $API_KEY",
    "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    '"id": "9b2d7f1a-4c8e-4b0d-9f5a-7c9e1b2d4f6a"',
    "Authorization: Bearer <token>",
    "xoxb-your-bot-token-here",
    "The password is 'incorrect' error keeps showing",
    "Set the password to 'changeme' on first boot",
    "REACT_APP_MAILER_PASSWORD=smtp_password",
    "- MoJ Permanent Secretary (Chair/SRO)",
    "- Integration: Pass `TerminologyNames` to the service",
    "resource kvSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {",
    "my wallet address is: 16Yeky6GMjeNkAiNcBY7ZhrLoMSgg1BoyZ2",
    '"id":"document_block_KWAJIKnjct0KMNXaxEentD"',
    "credentialsId: 'ff083f76-7804-4ef1-80e4-fe975bb9141b'",
    "https://example.org/filter?_token=DV7TiCXTEgyY1nbt3chQ5qIbGqUtMhSU5FpV6NUT",
    "api_key: 0123456789abcdefaaa==",
    "    tokens = word\\_tokenize(text)",
    "- password (VARCHAR)",
    "APACHEKAFKA and APDocuments are folder names",
    "AP1234567890 is the purchase order",
    "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "//registry.npmjs.org/:_authToken=${NPM_TOKEN}",
    "//registry.npmjs.org/:_authToken=npm_YOUR_TOKEN",
    "GITLAB_TOKEN=glpat-your-token-here",
    "[app]\nsecrets =\n    vault\n    keyring\n",
    "SD-2 (Permanent Secretary - governance), SD-6 (Cabinet Secretary - assurance)",
    "token - a unit of text the model reads",
    "<password>${env.NEXUS_PASSWORD}</password>",
    "<secret>changeme</secret>",
    'req.Header.Set("X-Api-Key", os.Getenv("API_KEY"))',
    'headers.add("X-Auth-Token", "<your-token>")',
    "FLY_API_TOKEN=fo1_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    'api_key = "your_api_key_here"',
    'password = "dummy_password_123"',
    'token = "insert-token-here"',
    "AWS says AKIAIOSFODNN7EXAMPLE is the documentation key",
    "ID:admin PW:password",
    "pw: changeme",
    "Your password is IncorrectOrExpired",
    "the suspect, identified by authorities as the driver, was arrested",
    "CREATE USER app IDENTIFIED BY '${DB_PASSWORD}';",
    "$pw = ConvertTo-SecureString $plain -AsPlainText -Force",
    'print("hello" + "world" + "again and again")',
    'names = ["alpha_team", "beta_team", "gamma_team", "delta_team"]',
    "the password is straightforward to reset",
    'password = "securepassword"',
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0",
    "SHIPPO_API_KEY=shippo_live_<your-key>",
    "SHIPPO_API_KEY=shippo_live_EXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPL",
    "pgar_ is the prefix of pganalyze read keys",
    "Authorization: NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw==",
    "Authorization: required",
    "#define PASSWORD_LENGTH 16",
    '{"kty": "RSA", "e": "AQAB", "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4"}',
    "https://default1a.2b.environment.api.powerplatform.com:443/powerautomate/automations/direct/"
    "workflows/9c1d2e3f4a5b46c7d8e9f0a1b2c3d4e5/triggers/manual/paths/invoke?api-version=1",
]


@pytest.mark.parametrize(("text", "entity"), SECRETS, ids=[e or t[:30] for t, e in SECRETS])
def test_credentials(engine, text: str, entity: str | None) -> None:
    result = engine.scan(text)
    assert result.categories == ["CREDENTIALS"]
    if entity is not None:
        assert entity in {f.entity_type for f in result.findings}


@pytest.mark.parametrize("text", LOOKALIKES)
def test_lookalikes(engine, text: str) -> None:
    assert "CREDENTIALS" not in engine.scan(text).categories


def test_findings_name_the_family_never_the_value(engine) -> None:
    text = "GITHUB_TOKEN=ghp_jkVpHc4owSksJeLVLEfF6gwneqU7raT35Xl8"
    (finding,) = [f for f in engine.scan(text).findings if f.category == "CREDENTIALS"]
    assert finding.entity_type == "GITHUB_TOKEN"
    assert "ghp_" not in repr(finding)
    assert text[finding.start : finding.end].startswith("ghp_")


def test_placeholder_and_entropy_helpers() -> None:
    assert is_placeholder("changeme") and is_placeholder("${X}") and is_placeholder("<pw>")
    assert is_placeholder("sk-xxxxxxxxxxxx") and is_placeholder("abc123456789")
    assert not is_placeholder("Xk93!mPq2z")
    assert entropy("aaaa") == 0.0 < entropy("aZ8kLm3N")


def test_credential_offsets_point_at_the_secret(engine) -> None:
    text = "conn: postgres://app:Xk93mPq2zL@db:5432/x"
    f = engine.scan(text).findings[0]
    assert text[f.start : f.end] == "Xk93mPq2zL"


def test_entity_types_are_a_bounded_set_from_the_rules() -> None:
    rec = CredentialRecogniser()
    assert 50 < len(rec.entities) < 1000  # one per vendor family of the rule files
    assert all(e.isupper() for e in rec.entities)


def _rules_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "rules:\n  - id: bad\n    entity: X_KEY\n    regex: '(?<=a)b'\n    keywords: [a]\n",
            "rule 'bad': regex does not compile under RE2",
        ),
        (
            "rules:\n  - id: lower\n    entity: x_key\n    regex: 'a'\n    keywords: [a]\n",
            "UPPER_SNAKE_CASE",
        ),
        ("rules:\n  - id: nokw\n    entity: X_KEY\n    regex: 'a'\n", "keywords"),
        (
            "rules:\n  - id: chk\n    entity: X_KEY\n    regex: 'a'\n    keywords: [a]\n"
            "    checks: [nope]\n",
            "unknown checks",
        ),
        (
            "rules:\n  - id: grp\n    entity: X_KEY\n    regex: 'a'\n    keywords: [a]\n"
            "    secret_group: v\n",
            "secret_group",
        ),
        (
            "rules:\n  - id: typo\n    entity: X_KEY\n    regex: 'a'\n    keywords: [a]\n"
            "    entropyy: 3\n",
            "unknown keys",
        ),
    ],
)
def test_rules_file_errors_are_located(tmp_path: Path, body: str, message: str) -> None:
    path = _rules_file(tmp_path, body)
    with pytest.raises(RuleError) as exc:
        load_rules_file(path, frozenset(CHECKS))
    assert message in str(exc.value)
    assert f"{path}:2" in str(exc.value)  # file and line of the rule


def test_a_valid_extra_rules_file_plugs_in(tmp_path: Path) -> None:
    path = _rules_file(
        tmp_path,
        "source: dept\nrules:\n  - id: dept-token\n    entity: DEPT_TOKEN\n"
        "    regex: '\\bdpt_(?P<v>[A-Za-z0-9]{24})\\b'\n    keywords: [dpt_]\n"
        "    secret_group: v\n    entropy: 3.5\n",
    )
    rec = CredentialRecogniser(rule_files=(path,))
    assert [r.entity_type for r in rec.analyze("x dpt_K7qM2xP9lV4rT8nS1wB6zC3d", [])] == [
        "DEPT_TOKEN"
    ]
    assert rec.analyze("x dpt_aaaaaaaaaaaaaaaaaaaaaaaa", []) == []


@pytest.mark.parametrize(
    "line",
    [
        "password = {i}\n",  # a key that names a secret on every line
        "token: k7Qm{i}\n",
        "AKIA{i} ghp_{i} sk-{i} xoxb-{i} eyJ{i}.eyJ{i}\n",  # prefixes without bodies
        "-----BEGIN PRIVATE KEY-----{i}\n",
        "machine h{i} login u password\n",
        "x{i}=" + "A1b2" * 8 + "\n",  # assignments of 32-char values
    ],
)
def test_one_megabyte_config_dump_is_bounded(engine, line: str) -> None:
    text = "".join(line.format(i=i) for i in range(200_000))[:1_000_000]
    started = time.process_time()
    engine.scan(text)
    # generous bound on a shared 2-core machine: linear-time regexes finish in well under it
    assert time.process_time() - started < 20
