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
    # prose forms: auxiliaries in a row, "(it's X)", a later colon, Wi-Fi notes, lock codes
    "The shared drive password was changed to Bluebell_2026 last week",
    'Please tidy this email: "the Wi-Fi for the training room is DWP-Train, pw Lakeside!88"',
    "I keep forgetting my password (it's Pennine7Moors) - can you suggest a mnemonic?",
    "the admin password is the same as last year's: Harrogate2024",
    "wifi: DWP-Guest / key: Harrogate2025",
    "The VPN pre-shared key is Xk93mPq2zLw8",
    "my login details are jsmith and Spring2024!",
    "Please log in with j.bloggs / Summer2025!",
    "The code for the stationery cupboard is 8214",
    "The recovery codes are 4819-2274, 9931-0412, 5528-7781",
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
    "A.9.4.3 (Password Management System): Certificate-based authentication",
    "Set your Wi-Fi to WPA2 and pick a key that is long",
    "The wifi code is on the back of the router",
    "The code for the door is a 4-digit number",
    "Our password policy: minimum 12 characters",
    "the recovery code is 1234-5678",
    # the classes below, their near misses
    "the password is sha256-hashed before storage",
    "the password is base64encoded in the file",
    "Your password is 8characters long",
    "SSO with username/password and TOTP/2FA verification",
    "Feitian ePass: £25-35",
    "10.0.0.0 via eth0/24",
    "product key XXXXX-XXXXX-XXXXX-XXXXX-XXXXX",
    "Your product key is the 25-character code on the card",
    'api_key = os.getenv("API_KEY", "default")',
    'password = os.getenv("DB_PASSWORD", "")',
    'const password = process.env.APP_PASSWORD || "not-set"',
    "Post it to https://prod-12.westeurope.logic.azure.com/ (the workflow URL)",
]

# Classes found by reading other scanners' public vectors (Nosey Parker, TruffleHog,
# CredSweeper) by the families they missed here; every value below is made up.
PROMPTS_FROM_SCANNER_CLASSES = [
    "my password is 238hq571kw4",  # one case of letters with digits
    "the new passcode for the kiosk is lanternfish42",
    "Activation key : QWRTY-PLMNB-ZXCVF-GHJKU-TREWS",
    "Office licence key: 7KQ2M-PX9RT-VB4WN-HC8JD-3LFYG",
    "ID/PW: opsadmin/Kq8#vL2mXp",
    "id / pw : db / Hq4$vL9zRw",
    "user/pass admin,Spring#2025x",
    "ID/PW(svc_print/Wm7!kQ2xLp)",
    "Server list\n10.20.30.40 root/Tr0ub4dor&3\n10.20.30.41 (admin/Bl@ckb1rd23)",
    "paasword: Prl94Db#@q",
    "P/W: Xk93!mPq7",
    "MYSQLPASS: Hq4vL9zRw2Qk7Lm",
    "dbPass: 'Xk93!mPq'",
    "UPDATE mysql.user SET authentication_string = PASSWORD ('Wm7kQ2xLp9') WHERE User = 'app';",
    'password = os.getenv("DB_PASSWORD", "S3cr3t!dev")',
    'TOKEN = os.environ.get("API_TOKEN") or "Kq8#vL2mXp9w"',
    'const pw = process.env.DB_PASS || "Hq4$vL9zRw";',
    '[[runners]]\n  environment = ["DOCKER_AUTH_CONFIG={\\"auths\\":{\\"reg.internal:5000\\":'
    + '{\\"auth\\":\\"'
    + _b64(b"ci-bot:Qk7!Lm2Xp9")
    + '\\"}}}"]',
    "teams webhook: https://default0a1b2c3d4e5f60718293a4b5c6d7e8.f9.environment.api.powerplatform.com:443"
    "/powerautomate/automations/direct/workflows/9c1d2e3f4a5b46c7d8e9f0a1b2c3d4e5/triggers/manual/paths/"
    "invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Qk7Lm2Xp9Rt4Vb8Ns1Wc6Yd3Fg5Hj0Kl2Mn4Pq6",
    '"refresh_token": "0.AUEAq7Lm2Xp9Rt4Vb8Ns1Wc6Yd3Fg5Hj0Kl2Mn4Pq6Rs8.AgABAAEAAADnfolhJpSnRYB1SVj-Hgd8'
    + "Qk7Lm2Xp9Rt4Vb8Ns1Wc6Yd3Fg5Hj0Kl2Mn4Pq6Rs8Tu0Vw2Xy4Za6Bc8De0Fg2Hi4Jk6Lm8No0Pq2Rs4Tu6Vw8Xy0Za2Bc4"
    + 'De6Fg8Hi0Jk2Lm4No6Pq8Rs0Tu2Vw4"',
]


@pytest.mark.parametrize("text", PROMPTS_WITH_SECRETS)
def test_departmental_prompt_with_a_secret_is_blocked(engine, text: str) -> None:
    assert "CREDENTIALS" in engine.scan(text).categories


@pytest.mark.parametrize("text", PROMPTS_FROM_SCANNER_CLASSES)
def test_scanner_class_with_a_secret_is_blocked(engine, text: str) -> None:
    assert "CREDENTIALS" in engine.scan(text).categories


@pytest.mark.parametrize(
    ("index", "family"),
    [(0, "GENERIC_PASSWORD"), (2, "LICENCE_KEY"), (17, "DOCKER_AUTH"), (18, "TEAMS_WEBHOOK"),
     (19, "AZURE_AD_TOKEN")],
)  # fmt: skip
def test_scanner_class_findings_name_the_family(engine, index: int, family: str) -> None:
    text = PROMPTS_FROM_SCANNER_CLASSES[index]
    assert family in {f.entity_type for f in engine.scan(text).findings}


@pytest.mark.parametrize("text", PROMPTS_WITHOUT_SECRETS)
def test_departmental_prompt_without_a_secret_passes(engine, text: str) -> None:
    assert "CREDENTIALS" not in engine.scan(text).categories


def test_a_pin_is_reported_as_an_access_pin_never_its_digits(engine) -> None:
    text = "the PIN for the safe is 4471"
    (finding,) = [f for f in engine.scan(text).findings if f.category == "CREDENTIALS"]
    assert finding.entity_type == "ACCESS_PIN"
    assert text[finding.start : finding.end] == "4471"
    assert "4471" not in repr(finding)
