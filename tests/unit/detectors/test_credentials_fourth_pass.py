"""Credentials, issue 14 fourth pass: prose clauses, values before the word, stdin pipes,
JSON Schema defaults, HTML-escaped config, dotted tokens that are not code, GitHub / npm
checksums and odd key/value separators. Positives and look-alikes written here (values
made up, never corpus rows)."""

from __future__ import annotations

import binascii
import secrets
import string

import pytest

from detectors.recognisers.credentials import checksummed_token, is_placeholder

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def _checksummed(prefix: str, body: str) -> str:
    """A token of GitHub's / npm's format: 30 characters and their base62 CRC32."""
    n, tail = binascii.crc32(body.encode()), ""
    while n:
        n, r = divmod(n, 62)
        tail = _BASE62[r] + tail
    return prefix + body + tail.rjust(6, "0")


WITH_SECRETS = [
    # a clause between "password" and "is"
    ("The password I use for the HR system is Marmalade#14, is that strong enough?", None),
    ("hey, the password for the shared finance login is Kettle!Biscuit42", None),
    ("as discussed the password for the payroll spreadsheet is Payroll-Oct-2026. Thanks", None),
    ("the password we gave the auditors last week was Quill&Ink2026", None),
    # the value in the next sentence
    ("I keep forgetting my password. It's Penguin-Ice-45. Can you give me a mnemonic?", None),
    ("the guest wifi password, which is Harrogate#Spa7, changes monthly", None),
    # the value before the word
    ("is 'Tulip!Garden2026' a good password?", None),
    ("Is Lighthouse2025! a strong enough password?", None),
    ("I set Otter99!brook as my password for the VPN", None),
    ("is 'correct horse battery staple' a good passphrase?", None),
    # piped to a program's stdin
    ("echo 'Marble-Arch-2026' | sudo -S systemctl restart nginx", None),
    ("echo Hunter22x | sudo -S apt update", None),
    ("echo 'Qz7!mK2pL' | passwd --stdin svc_backup", None),
    ("echo 'svc_etl:Orchid#Rain72' | sudo chpasswd", None),
    # JSON Schema / OpenAPI defaults pasted as text
    ('{"properties": {"password": {"type": "string", "default": "Wint3r!Sun99"}}}', None),
    ('{"properties": {"db_password": {"type": "string", "enum": ["Wint3r!Sun99"]}}}', None),
    ('"adminPassword": {\n  "type": "string",\n  "default": "correcthorsebatterystaple"\n}', None),
    ('{"api_token": {"type": "string", "const": "Qz7mK2pLx9Rt4"}}', "GENERIC_SECRET"),
    # HTML-escaped config pasted from a web page
    ("&lt;password&gt;Wint3r!Sun99&lt;/password&gt;", None),
    ("{&quot;password&quot;: &quot;Wint3r!Sun99&quot;}", None),
    ('<a href="https://intranet/x?token=&quot;g1re0g1T0keN3zWx&quot;">x</a>', None),
    ("&lt;add key=&quot;DbPassword&quot; value=&quot;Pebble#Beach3&quot; /&gt;", None),
    # a dotted token whose body is letters only is not `obj.attribute`
    ("export VAULT_TOKEN=hvs.HnkPIoSepDeJpormtzxPmbcw", "VAULT_TOKEN"),
    ("vault login hvs.XZWrVPvWxNoUrZJJpMRzeQuY", "VAULT_TOKEN"),
    # key and value glued by an unusual separator (headers, cookies, log lines)
    ("db_password|Sup3rS3cr3tPw!2024", "GENERIC_PASSWORD"),
    ("pwd~Sup3rS3cr3tPw!2024", "GENERIC_PASSWORD"),
    ("db_password+Sup3rS3cr3tPw!2024", "GENERIC_PASSWORD"),
    ("db_password\\u003dSup3rS3cr3tPw!2024", "GENERIC_PASSWORD"),
    # a service's key and the login it belongs to, in notes
    ("checkvist: wdvnusa87afxYn / jo.bloggs@example.com", "GENERIC_SECRET"),
    ("zipbooks = SecureP@ss123 / admin@secure.example", "GENERIC_SECRET"),
    # a bare "key" with a random value in a log line
    ("[DEBUG] Using Key=myuser:ATBB123abcDEF456ghiJKL789mnoPQR", "GENERIC_SECRET"),
    # an auth scheme in front of the token a variable holds
    ('bannerToken := "Bearer bb_pr_abcdc2b40ef44abcd8cbf3739aabcd"', "GENERIC_SECRET"),
    # letters only, case switching at random
    ("parsehub token = 'vZrEclFwOqeA'", "GENERIC_SECRET"),
    # tables whose header names a password column
    (
        "| System | Username | Password |\n|---|---|---|\n| HR portal | jbloggs | Walnut#Tree58 |",
        "GENERIC_PASSWORD",
    ),
    ("username,password,role\njbloggs,Maple#Leaf62,admin\nasmith,Cedar!Row18,user", None),
    ("user\tpwd\nsvc_etl\t'Qz7!mK2pL'", None),
    # infrastructure configs and tools
    ("username admin privilege 15 secret 0 Cisco!Lab2026", "GENERIC_PASSWORD"),
    ("enable password Sw1tch#Core", "GENERIC_PASSWORD"),
    ("snmp-server community Pr1vat3Comm RW", "GENERIC_PASSWORD"),
    ("requirepass Redis#Cache909", "GENERIC_PASSWORD"),
    ("redis-cli -h cache01 -a 'Redis#Cache909' ping", "GENERIC_PASSWORD"),
    ("ldapsearch -x -H ldap://dc01 -D 'cn=svc,dc=corp' -w 'Quartz!Vein29' -b dc=corp", None),
    ("keytool -genkey -alias a -keystore a.jks -storepass 'Harbour#Wall93'", None),
    ("define('DB_PASSWORD', 'Nutmeg#Spice62');", "GENERIC_PASSWORD"),
    ("Our team's shared Gmail is dwp.events@gmail.com / Events#2026Leeds", "GENERIC_PASSWORD"),
    ("the pw for the shared drive is Heron#Lake88", "GENERIC_PASSWORD"),
    # BitLocker recovery password: 8 blocks, each a multiple of 11 below 720896
    (
        "BitLocker recovery key: 150876-387288-098329-667678-235851-417868-563255-003905",
        "BITLOCKER_RECOVERY_KEY",
    ),
]

WITHOUT_SECRETS = [
    "The password length for admins is 16-chars minimum",
    "The password I use for the HR system is stored in the vault",
    "the password for the shared finance login is on the wiki",
    "I forgot my password. It's annoying to reset it every month.",
    "Use SHA-256 as the password hash",
    "Is bcrypt-12 a good password hash?",
    "Choose a good password.",
    "Is Tuesday a good day for the password reset?",
    'echo "$DOCKER_PASS" | docker login -u ci --password-stdin',
    "docker login -u ci --password-stdin < token.txt",
    "echo $PASSWORD | sudo -S apt update",
    "echo 'hello world' | tr a-z A-Z",
    '{"properties": {"password": {"type": "string", "default": "changeme"}}}',
    '{"properties": {"password": {"type": "string", "minLength": 12}}, "required": ["password"]}',
    '{"properties": {"token": {"type": "string", "enum": ["bearer", "basic"]}}}',
    "&lt;password&gt;${DB_PASSWORD}&lt;/password&gt;",
    "&lt;p&gt;Use a &quot;strong&quot; password&lt;/p&gt;",
    "password = config.DatabaseConnectionPassword",
    "see https://intranet/reset/password/step2 for the steps",
    'accessToken = "refreshToken"',
    'token = "Bearer"',
    "sort(key=lambda item: item[1])",
    'cache key = f"user:{user_id}:profile"',
    "contact: support / help@example.com",
    "Date: 2024-01-05 / mail@example.com",
    'primary_key = "CustomerIdentifierKey"',
    "key: value",
    "| Field | Required | Notes |\n|---|---|---|\n| password | yes | min 12 chars |",
    "| Account | Password |\n|---|---|\n| HR | see vault |\n| Fin | ******** |\n| Ops | N/A |",
    "name,password_set,last_login\njbloggs,true,2026-01-04",
    "snmp-server community public RO",
    "enable secret 5 is the hashed form; never use enable password",
    "curl -w '%{http_code}' https://intranet/health",
    "Ticket numbers: 123456-654321-111111-222222-333333-444444-555555-666666",
    "define('DB_PASSWORD', getenv('DB_PASSWORD'));",
    "contact jo@example.com / the service desk",
]


@pytest.mark.parametrize(("text", "family"), WITH_SECRETS, ids=[t[:40] for t, _ in WITH_SECRETS])
def test_fourth_pass_classes_are_found(engine, text: str, family: str | None) -> None:
    findings = [f for f in engine.scan(text).findings if f.category == "CREDENTIALS"]
    assert findings
    if family:
        assert family in {f.entity_type for f in findings}


@pytest.mark.parametrize("text", WITHOUT_SECRETS)
def test_fourth_pass_look_alikes_pass(engine, text: str) -> None:
    assert "CREDENTIALS" not in engine.scan(text).categories


def test_html_escaped_finding_maps_back_to_the_original_characters(engine) -> None:
    text = "naïve — &lt;password&gt;Wint3r!Sun99€&lt;/password&gt; ok"
    (finding,) = [f for f in engine.scan(text).findings if f.category == "CREDENTIALS"]
    assert text[finding.start : finding.end] == "Wint3r!Sun99€"


def test_github_and_npm_checksums() -> None:
    body = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(30))
    good = _checksummed("ghp_", body)
    assert checksummed_token(good) and checksummed_token(_checksummed("npm_", body))
    last = "A" if good[-1] != "A" else "B"
    assert not checksummed_token(good[:-1] + last)  # one character changed
    assert not checksummed_token("ghp_" + "x" * 36)


def test_a_checksummed_token_counts_even_with_a_placeholder_word(engine) -> None:
    """The checksum says the token is real: a placeholder word inside it ("your", "fake")
    does not make it documentation. A token failing its checksum is judged as before: a
    hand-masked or truncated one still counts when it looks like a token."""
    for body in ("ExampleTokenxxxxxxxxxxxxxxxxxx", "yourgithubtokenexample12345678"):
        token = _checksummed("ghp_", body)
        broken = token[:-1] + ("A" if token[-1] != "A" else "B")
        assert "GITHUB_TOKEN" in {f.entity_type for f in engine.scan(f"GH={token}").findings}
        assert "CREDENTIALS" not in engine.scan(f"GH={broken}").categories  # documentation
    typed = "ghp_" + "R8q2Lm9XpT4vB7nS1wC6yD3fG5hJ0kL2mN4p"  # no valid checksum, still a token
    assert not checksummed_token(typed)
    assert "GITHUB_TOKEN" in {f.entity_type for f in engine.scan(typed).findings}


def test_dotted_identifiers_stay_code_references() -> None:
    assert is_placeholder("self.databasePassword")
    assert is_placeholder("settings.SECRET_KEY")
    assert not is_placeholder("hvs.HnkPIoSepDeJpormtzxPmbcw")


# Departmental prompts and files written by hand (welcome notes, Teams messages, tfvars,
# .npmrc, kubeconfig, .pgpass, net use, stack traces, e-mails to summarise)
DEPARTMENTAL_WITH_SECRETS = [
    "Hi all, welcome to Caxton House! Guest Wi-Fi: network DWP-Visitor, password is Thames&Bridge88. Lunch is at 12.",
    "Welcome pack for new starters\n- Building: Quarry House\n- Wi-Fi: QH-Guest\n- Wi-Fi password: Riverside!2026\n- Canteen opens at 8",
    "my password is Gr4nary&Wharf19 and it doesn't meet the rules, can you suggest a better one?",
    "I tried setting my password to Sunflower77 but the system says it doesn't meet the complexity rules. Why?",
    "Why does the portal reject my new password Blue-Heron-2026? It says too similar to previous.",
    "Can you make this password stronger: Lighthouse2025",
    "The password I use for the HR system is Marmalade#14, is that strong enough?",
    'db_password =    "W1ndyR1dge#7"\ndb_user =    "claims_app"',
    "//registry.npmjs.org/:_authToken=npm_a8Kd93LmQp02XzR7tWv4BnM6cYe1Hs5Jf9Ug",
    "registry=https://artifactory.dwp.internal/api/npm/npm-virtual/\n//artifactory.dwp.internal/api/npm/npm-virtual/:_password=UXdlcnR5OTkhIQ==\n//artifactory.dwp.internal/api/npm/npm-virtual/:username=jbloggs\nalways-auth=true",
    "apiVersion: v1\nclusters:\n- cluster:\n    server: https://10.2.3.4:6443\n  name: prod\nusers:\n- name: admin\n  user:\n    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=\n    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFb3dJQkFBS0NBUUVBdGVzdA==",
    "db.prod.internal:5432:claims:claims_app:Tr0ut&Salmon9",
    "*:*:*:postgres:Pg!Adm1n2026",
    r"net use Z: \\fileserver01\shared /user:DWP\jbloggs P@ssw0rd2026!",
    r"net use \\10.1.2.3\c$ /user:CORP\svc_backup Backup#Nov26",
    "Traceback (most recent call last):\n  File \"app.py\", line 12, in <module>\n    engine = create_engine('postgresql+psycopg2://claims:Kx9!mQ2z@db01.internal:5432/claims')\nsqlalchemy.exc.OperationalError: could not connect",
    "System.Data.SqlClient.SqlException (0x80131904): Login failed for user 'svc_claims'.\n   at ConnectionString: Server=sql01.dwp.local;Database=Claims;User Id=svc_claims;Password=Wint3r!Sun;",
    "[10:42] Sarah Jones\n  hey, the password for the shared finance login is Kettle!Biscuit42\n[10:43] Tom Patel\n  thanks",
    "Copied from Teams: 'Morning! Temporary password for your new account: Welcome-Autumn-93 - please change it at first login'",
    "Your temporary password is Xk7#pL2q, please change it when you first log in.",
    "The VPN pre-shared key is Ravensc@r-PSK-2026",
    "router admin login: admin / N3tgear!Home",
    "mysql -u root -pR00tP@ss2026 claims_db < dump.sql",
    "curl -u jbloggs:Summ3r!Rain https://jira.dwp.internal/rest/api/2/issue/ABC-1",
    "sshpass -p 'Hedgehog#2026' ssh deploy@10.0.0.5",
    "export PGPASSWORD=Otter_Brook_81\npsql -h db -U claims",
    "$env:AZURE_CLIENT_SECRET = 'hK28Q~abcDEF123ghiJKL456mnoPQR789stuVWX'",
    "smtp:\n  host: smtp.office365.com\n  username: noreply@dwp.gov.uk\n  password: Paper$Plane2026",
    "spring.datasource.url=jdbc:mysql://db:3306/claims\nspring.datasource.username=claims\nspring.datasource.password=Mango!Tree55",
    "ConnectionStrings__Default=Server=tcp:sqlsrv.database.windows.net,1433;Initial Catalog=claims;User ID=appuser;Password=Gl4ss#Cup88;Encrypt=True;",
    "Login details for the test environment: username = testadmin, password = Cobalt!Fish19",
    "New starter: your network login is jbloggs1 and your initial password is Spring2026!!",
    "Hi IT, I locked myself out. My old password was Hamster99 and I set the new one to Hamster100!",
    "wifi name: DWP-Staff / wifi password: Blackpool#Tower7",
    "Door code for the server room is 4829 and the alarm code is 7315",
    'password:    "correct horse battery staple" is my passphrase for the laptop',
    "aws_access_key_id = AKIAZ7QXRL2M4N8BPV3W\naws_secret_access_key = q9Zk2Lm8Xp4Rt7Vb1Ns6Wc3Yd0Fg5Hj8Kl2Mn4Pq",
    "GITHUB_TOKEN=ghp_R8q2Lm9XpT4vB7nS1wC6yD3fG5hJ0kL2mN4p",
    "Our Slack webhook is https://hooks.slack.com/services/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",
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----",
    'terraform.tfvars:\nregion = "eu-west-2"\nrds_master_password = "Fjord&Glacier42"\n',
    "In Teams: @Dave the login for the Grafana admin is admin and the pw is Gr@fana2026x",
    "Please summarise this email: 'Hi Jo, as discussed the password for the payroll spreadsheet is Payroll-Oct-2026. Thanks, Mark'",
    "The spreadsheet is protected with the password Budget2026Q3",
    "Password for the zip file: Zebra$Crossing4",
    "user: svc_etl\npass: Orchid#Rain72",
    "Here's my .env:\nDATABASE_URL=postgres://etl:Qz7mK2pL@db.internal/etl\nSECRET_KEY=8f3kL9mQ2xZ7pR4tV1nB6cW0yD5gH8jK",
    '<add name="Claims" connectionString="Data Source=sql01;Initial Catalog=Claims;User ID=claims;Password=Pebble#Beach3" />',
    "PS C:\\> $pw = ConvertTo-SecureString 'Fal<on!Ridge9' -AsPlainText -Force",
    "echo 'Marble-Arch-2026' | sudo -S systemctl restart nginx",
    "docker login -u dwpci -p dckr_pat_2Kx9mQ7zL4pR8tV1nB6cW0yD5gH registry.hub.docker.com",
    "I keep forgetting my password. It's Penguin-Ice-45. Can you give me a mnemonic to remember it?",
    "is 'Tulip!Garden2026' a good password?",
    "Password = Hv8#kq1!",
    "version: '3'\nservices:\n  db:\n    image: postgres:15\n    environment:\n      POSTGRES_USER: claims\n      POSTGRES_PASSWORD: Tide!Pool2026",
    '{\n  "ConnectionStrings": {\n    "Default": "Server=sql01;Database=Claims;User Id=claims_app;Password=Fern&Moss81;"\n  }\n}',
    '- name: Create db user\n  mysql_user:\n    name: reporting\n    password: "Copper#Kettle19"\n    priv: "*.*:SELECT"',
    '$cred = New-Object System.Management.Automation.PSCredential("CORP\\svc_sql", (ConvertTo-SecureString "Granite!Peak44" -AsPlainText -Force))',
    "| System | Username | Password |\n|---|---|---|\n| HR portal | jbloggs | Walnut#Tree58 |\n| Finance | jbloggs | Birch!Lane21 |",
    "username,password,role\njbloggs,Maple#Leaf62,admin\nasmith,Cedar!Row18,user",
    "conn = pyodbc.connect('DRIVER={ODBC Driver 18 for SQL Server};SERVER=sql01;DATABASE=claims;UID=claims_ro;PWD=Slate#Roof73')",
    'ldapsearch -x -H ldap://dc01.corp.local -D "CN=svc_ldap,OU=Service,DC=corp,DC=local" -w \'Quartz!Vein29\' -b "DC=corp,DC=local"',
    "snmp-server community Pr1vat3Comm RW",
    "username admin privilege 15 secret 0 Cisco!Lab2026",
    "enable secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0",
    "requirepass Redis#Cache909",
    "mongodb+srv://appuser:Lunar%23Tide55@cluster0.ab1cd.mongodb.net/claims",
    "Hi Jo, your account has been set up. Username: jo.bloggs  Temporary password: Violet-Sky-33. You'll be asked to change it.",
    "BitLocker recovery key: 412907-118294-503811-622017-090343-275550-681758-330187",
    "Login: jsmith\nPassword: Falcon!Ridge7",
    "the pw for the shared drive is Heron#Lake88",
    "ftp://upload:Kite!String42@ftp.partner.example/inbound",
    "withCredentials([usernamePassword(credentialsId: 'x', usernameVariable: 'U', passwordVariable: 'P')]) { sh 'curl -u admin:Sparrow!Nest9 https://nexus/' }",
    "jdbc:sqlserver://sql01:1433;databaseName=claims;user=claims;password=Pine#Cone36",
    "azure storage key: DefaultEndpointsProtocol=https;AccountName=dwpdocs;AccountKey=q9Zk2Lm8Xp4Rt7Vb1Ns6Wc3Yd0Fg5Hj8Kl2Mn4Pq6Rs8Tu0Vw2Xy4Za6Bc8De0Fg2Hi4Jk6Lm8No0Pq2==;EndpointSuffix=core.windows.net",
    'Can you help me fix this? Error: FATAL: password authentication failed for user "claims" (connection string was host=db01 user=claims password=Raven#Wing50 dbname=claims)',
    "I've attached the config, the SMTP relay password is in there too: smtp_pass=Lantern!Bay77",
    "New joiner checklist: laptop PIN 482913, email password Welcome2Dwp!, building pass collected",
    "VPN: server vpn.dwp.example, group DWP-Remote, shared secret Tr4vel!Gate, then your own AD password",
    "In the meeting Sam said the admin password for the projector is proj3ctor!Admin, can you note that down?",
    "Our team's shared Gmail is dwp.events@gmail.com / Events#2026Leeds",
    "Please turn this into a nice welcome email: wifi = DWP-Guest, pw = Seaside!Rock44, printer code 5521",
    "To connect: ssh deploy@10.0.3.7 (password: Badger!Sett31)",
    "wp-config.php: define('DB_PASSWORD', 'Nutmeg#Spice62');",
    "PGPASSWORD='Cobble!Stone8' pg_dump -h db01 -U claims claims > claims.sql",
    "git clone https://jbloggs:ghp_R8q2Lm9XpT4vB7nS1wC6yD3fG5hJ0kL2mN4p@github.com/dwp/claims.git",
    "The password is the name of our first office followed by the year: Caxton2019",
    "rabbitmq: amqp://claims:Otter#Pond47@mq01:5672/claims",
    "keytool -genkey -alias claims -keystore claims.jks -storepass 'Harbour#Wall93' -keypass 'Harbour#Wall93'",
    "openssl pkcs12 -export -in cert.pem -inkey key.pem -out cert.p12 -passout pass:Meadow!Lark27",
    "Set the service account password to Jasmine#Tea2026 and make sure it never expires.",
]

DEPARTMENTAL_WITHOUT_SECRETS = [
    "My password doesn't meet the rules. What are the usual complexity requirements for passwords?",
    "How do I reset my Windows password on a DWP laptop?",
    "Write a policy paragraph: passwords must be at least 12 characters and include a symbol.",
    "The guest Wi-Fi password is on the noticeboard in reception.",
    "password = os.environ['DB_PASSWORD']",
    'db_password = "${DB_PASSWORD}"',
    "client_secret: <your-client-secret>",
    "password: changeme",
    "The password field is required and must be hashed with bcrypt.",
    "Use PGPASSWORD=$PGPASSWORD in the pipeline, never hard-code it.",
    "net use Z: \\\\fileserver01\\shared /user:DWP\\jbloggs *",
    "Set the password to something memorable, like three random words.",
    "Error: password is incorrect. Please try again.",
    "The door code changed last week; ask facilities.",
    "If your password has expired, call the service desk on 0800 000 000.",
    "mysql -u root -p claims_db < dump.sql",
    "curl -u $USER:$TOKEN https://jira/rest/api/2/issue",
    'variable "db_password" {\n  type      = string\n  sensitive = true\n}',
    "token: ${{ secrets.GITHUB_TOKEN }}",
    "The password policy says PasswordNotSet is returned when the field is empty.",
]


@pytest.mark.parametrize("text", DEPARTMENTAL_WITH_SECRETS)
def test_departmental_prompts_with_a_secret(engine, text: str) -> None:
    assert "CREDENTIALS" in engine.scan(text).categories


@pytest.mark.parametrize("text", DEPARTMENTAL_WITHOUT_SECRETS)
def test_departmental_prompts_without_a_secret(engine, text: str) -> None:
    assert "CREDENTIALS" not in engine.scan(text).categories
