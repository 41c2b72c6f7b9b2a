"""Credentials in the prompts staff write by hand: passwords in prose and welcome notes, PINs
and door codes, config files (tfvars, .npmrc, kubeconfig, .netrc, .pypirc, docker
config.json), connection strings and command lines. All values are made up here."""

from __future__ import annotations

import base64
import hashlib

import pytest


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


PROMPTS_WITH_SECRETS = [
    "my password is Gr4nary&Wharf19 and it doesn't meet the rules",
    "Guest Wi-Fi password Leeds#Quarry2025",
    "Welcome to the Leeds office! The guest wifi is DWP-Guest and the password is Quarry!2025",
    "Hi team, the new shared mailbox password is Harbour-Light-77, please don't share it",
    "Can you check why my login fails? username jsmith, password Spring2024!",
    "Password: Tr1cky!Fox",
    "pwd = Kestrel#88",
    "The admin login for the portal is admin / Bl@ckb1rd2023",
    "My new password is now: Wensleydale42",
    "passcode for the VPN is 7Hq#k2Lm",
    "I reset the service account password to 'Autumn Leaves 2025' as a passphrase",
    'db_password = "Kq8#vL2mXp"',
    'variable "db_password" {\n  default = "Xy7#kLm2Qp"\n}',
    'admin_password = "Hq4$vL9zRw"',
    "//registry.npmjs.org/:_authToken=npm_Qk7Lm2Xp9Rt4Vb8Ns1Wc6Yd3Fg5Hj0Kl2Mn4",
    "//nexus.internal/repository/npm/:_auth=" + _b64(b"builder:Qk7!Lm2Xp9"),
    "apiVersion: v1\nkind: Config\nusers:\n- name: ops\n  user:\n    token: eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50In0.Qk7Lm2Xp9Rt4Vb8Ns1Wc6Yd3Fg5Hj0Kl2Mn4Pq6Rs8T",
    "machine github.com\nlogin jsmith\npassword ghp_jkVpHc4owSksJeLVLEfF6gwneqU7raT35Xl8",
    "machine ftp.internal login deploy password Hq4vL9zRw2",
    "[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmcCJDU3OTM1MjliLWIyYTYtNDEwOC05NzRkLTM0MjNmMWFlN2Q3ZgACKlszLCJhYmMiXQAABiCqQk7Lm2Xp9Rt4Vb8Ns1Wc6Yd3Fg5Hj0Kl2Mn4",
    "[distutils]\nindex-servers = internal\n[internal]\nrepository = https://nexus/pypi\nusername = build\npassword = Kq8vL2mXp9",
    '{"auths": {"https://index.docker.io/v1/": {"auth": "' + _b64(b"jsmith:Hq4vL9zRw2!") + '"}}}',
    "postgres://claims:Wq8!xZ2m@db.internal:5432/claims",
    "mysql://root:Tr0ub4dor@10.0.0.5:3306/app",
    "mongodb+srv://appuser:Qk7Lm2Xp9@cluster0.abcde.mongodb.net/test?retryWrites=true",
    "amqp://guest2:Rb7xKq2p@rabbit:5672/",
    "redis://default:Hq4vL9zRw2@redis-12345.c1.eu-west-1.ec2.cloud.redislabs.com:12345",
    "Driver={ODBC Driver 17 for SQL Server};Server=tcp:sql.internal,1433;Database=HR;Uid=hr_app;Pwd=Kq8#vL2m;",
    "Server=sql01;Database=Payroll;User ID=payroll;Password=Spring#2025;TrustServerCertificate=True",
    "jdbc:postgresql://db:5432/claims?user=app&password=Xk93mPq2zL",
    "jdbc:sqlserver://sql01:1433;databaseName=HR;user=hr;password=Wm7kQ2xLp;",
    "curl -u admin:Hq4vL9zRw2 https://jenkins.internal/api/json",
    "curl --user jsmith:Spring2024! https://api.internal",
    "curl -H 'Authorization: Basic " + _b64(b"svc:Kq8vL2mXp9") + "' https://api.internal",
    "Authorization: Basic " + _b64(b"admin:Summer2025"),
    "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.Qk7Lm2Xp9Rt4Vb8Ns1Wc6Yd3Fg5Hj0Kl2Mn4",
    "wget --user=deploy --password=Hq4vL9zRw2 https://repo/file",
    "sshpass -p 'Kq8vL2mXp' ssh admin@10.0.0.1",
    "psql postgresql://postgres:Bramble77@localhost/claims",
    "export PGPASSWORD=Kq8vL2mXp9",
    "SMTP_PASSWORD=lanternfish42",
    "the safe code is 4471",
    "the PIN for the safe is 4471",
    "Door code for the comms room: 2580#",
    "my card PIN is 8812",
    "The alarm code is 1937",
    "Key safe code for the Harrogate office - 7391",
    # red-team RT-81: Windows share mapping, a .pgpass file, an OpenVPN shared key
    "Why does this fail?\n\nnet use \\\\fileserver\\share /user:DWP\\jsmith Kq8vLm2xPz!2x",
    "net use Z: \\\\fs01.dwp.local\\claims Summer2024 /user:DWP\\svc_claims /persistent:no",
    "my ~/.pgpass is\ndb.internal:5432:claims:svc_claims:Xk29vPq77aaLm3",
    "*:*:*:postgres:Tr0ub4dor&3",
    "-----BEGIN OpenVPN Static key V1-----\n"
    + "\n".join(hashlib.sha256(bytes([n])).hexdigest() for n in range(8))
    + "\n-----END OpenVPN Static key V1-----",
]

PROMPTS_WITHOUT_SECRETS = [
    "What makes a strong password?",
    "Please reset my password, I forgot it",
    "The password must be at least 12 characters long",
    "password: ${DB_PASSWORD}",
    "postgres://user:password@localhost:5432/mydb",
    "DATABASE_URL=postgres://${DB_USER}:${DB_PASS}@db:5432/app",
    "curl -u $USER:$TOKEN https://api",
    "Authorization: Bearer <token>",
    "api_key: <your-key>",
    "password = changeme",
    "The PIN is a 4-digit number printed on the letter",
    "Enter your PIN at the terminal",
    "The meeting is in room 4471",
    "Password reset emails are sent from noreply@",
    "In 2024 the password policy changed to 14 characters",
    "Our wifi network name is DWP-Guest",
    "kubectl config set-credentials ops --token=$(cat token.txt)",
    "machine example.com login user password password",
    "The default pin for the test phone is 0000",
    "my PIN is 1234",
    "GPIO pin 17 is HIGH and pin 13 is 1024 ohms",
    "Set the pin code to 5 digits",
    "The login page is at /portal, see the docs",
    "net use \\\\fs01\\share /user:DWP\\jsmith *",
    "net use Z: \\\\fs01\\share /user:DWP\\jsmith /persistent:yes",
    "net use \\\\fs01\\share /user:DWP\\jsmith %SHARE_PASSWORD%",
    "localhost:5432:mydb:myuser:mypassword",
    "main.go:12:5:foo:barbaz12",
    "10:30:45:00:abc123xyz",
    "-----BEGIN OpenVPN Static key V1-----\n<paste your key here>\n-----END OpenVPN Static key V1-----",
]


@pytest.mark.parametrize("text", PROMPTS_WITH_SECRETS)
def test_departmental_prompt_with_a_secret_is_blocked(engine, text: str) -> None:
    assert "CREDENTIALS" in engine.scan(text).categories


@pytest.mark.parametrize("text", PROMPTS_WITHOUT_SECRETS)
def test_departmental_prompt_without_a_secret_passes(engine, text: str) -> None:
    assert "CREDENTIALS" not in engine.scan(text).categories


def test_a_pin_is_reported_as_an_access_pin_never_its_digits(engine) -> None:
    text = "the PIN for the safe is 4471"
    (finding,) = [f for f in engine.scan(text).findings if f.category == "CREDENTIALS"]
    assert finding.entity_type == "ACCESS_PIN"
    assert text[finding.start : finding.end] == "4471"
    assert "4471" not in repr(finding)
