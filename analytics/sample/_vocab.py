"""Words the sample generator draws from: client names, service catalogues, people, texts.

Kept apart from the generator so the vocabulary can grow (or be localised)
without touching the arithmetic. Everything here is static; the generator
picks from it with seeded random indices.
"""

from __future__ import annotations

# The four named clients of the default sample, with the industry whose
# service catalogue they use. More tenants get generated names.
NAMED_TENANTS: tuple[tuple[str, str], ...] = (
    ("Aurora Bank", "bank"),
    ("Borealis Retail", "retail"),
    ("Cirrus Health", "health"),
    ("Dunmore Logistics", "logistics"),
)

# One client also runs PagerDuty for its platform on-call: those incidents are
# its own (not copies of ServiceNow ones) and live on technical services with
# names of their own, so they never collide with its ServiceNow business
# services. PagerDuty has no company field: the files are ingested with --tenant.
PAGERDUTY_CLIENT_INDEX = 3      # Dunmore Logistics (the last client when fewer)
PAGERDUTY_INDUSTRY = "platform"

# The one client that reports in a timezone with daylight saving.
TENANT_TIMEZONES = {"Aurora Bank": "Europe/London"}

PLACES = (
    "Elmstead", "Fairhaven", "Glenrock", "Harrowgate", "Ivybridge", "Juniper", "Kestrel",
    "Larchmont", "Merrow", "Northwood", "Oakridge", "Pemberton", "Quarry Hill", "Redcliffe",
    "Silverdale", "Thornbury", "Upton", "Valemont", "Westbrook", "Yarrow",
)
# len(PLACES) + 1 and len(INDUSTRY_WORDS) are coprime, which keeps generated names unique.
INDUSTRY_WORDS: tuple[tuple[str, str], ...] = (
    ("Insurance", "bank"), ("Energy", "logistics"), ("Foods", "retail"), ("Telecom", "media"),
    ("Pharma", "health"), ("Credit Union", "bank"), ("Hotels", "retail"),
    ("Water", "logistics"), ("University", "health"), ("Borough Council", "generic"),
)

SERVICE_STEMS: dict[str, tuple[str, ...]] = {
    "bank": (
        "Core Banking Payments Gateway", "Online Banking Portal", "Mobile Banking App",
        "Card Authorisation Service", "SWIFT Messaging Hub", "Faster Payments Switch",
        "Customer Identity & Access", "Loan Origination Platform", "Fraud Detection Engine",
        "Treasury Trading Desk", "ATM Network Controller", "Open Banking API",
        "Branch Teller System", "Regulatory Reporting (FCA)", "Mortgage Servicing",
    ),
    "retail": (
        "E-commerce Storefront", "Point of Sale (Stores)", "Order Management System",
        "Warehouse Management", "Click & Collect", "Loyalty Programme API",
        "Payment Service Provider Link", "Product Information Management", "Pricing Engine",
        "Store Wi-Fi", "Customer Service CRM", "Returns Portal", "Supplier EDI Gateway",
        "Gift Card Service", "Home Delivery Slots",
    ),
    "health": (
        "Electronic Patient Record", "Patient Portal", "PACS Imaging Archive",
        "Pharmacy Dispensing", "Clinical Messaging (HL7)", "Appointment Booking",
        "Lab Results Interface", "Bed Management", "E-Prescribing", "Telehealth Video",
        "Theatre Scheduling", "Smartcard Access", "Maternity System", "Blood Bank Tracking",
    ),
    "logistics": (
        "Transport Management System", "Fleet Telematics", "Warehouse Scanning (RF)",
        "Route Optimisation", "Customer Tracking Portal", "Carrier EDI Gateway",
        "Yard Management", "Proof of Delivery App", "Customs Declarations",
        "Billing & Invoicing", "Driver Mobile App", "Depot Network", "Cold Chain Monitoring",
    ),
    "platform": (
        "Public API Gateway", "Event Streaming Cluster", "Telematics Ingest API",
        "Route Engine Workers", "Scanner Gateway", "Tracking Events Stream",
        "Label Printing Service", "Carrier Rates API", "Notification Dispatcher",
        "Kubernetes Platform (prod)", "Batch Scheduler", "Message Broker (RabbitMQ)",
    ),
    "media": (
        "Video Streaming Platform", "Content Delivery Network", "Ad Decisioning Service",
        "Subscriber Billing", "Live Broadcast Playout", "Newsroom Publishing CMS",
        "Recommendation Engine", "Mobile App Backend", "Paywall & Entitlements",
        "Media Asset Management", "Podcast Hosting",
    ),
    "generic": (
        "Citizen Services Portal", "Council Tax Billing", "Planning Applications",
        "Housing Repairs", "Parking Permits", "Waste Collection Scheduling",
    ),
}

# Shared by every client on top of its industry catalogue.
COMMON_SERVICES = (
    "Microsoft 365 Email", "Corporate VPN", "Active Directory", "Service Desk Telephony",
    "Data Centre Network (Core)", "Backup & Recovery", "SD-WAN", "Citrix Virtual Desktops",
    "Identity Provider (SSO)", "Payroll (HR)",
)

# Region suffixes of service names and the matching CI name fragment.
REGIONS = ("", " (EU-West)", " (UK-South)", " (EU-Central)", " (US-East)")
REGION_CODES = ("", "euw", "uks", "euc", "use")
CI_ROLES = ("app01", "db01", "lb01")

CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Software", ("Application", "Operating System", "Email", "Middleware")),
    ("Network", ("Connectivity", "DNS", "VPN", "Load Balancer", "Firewall")),
    ("Hardware", ("Server", "Storage", "Disk", "Memory")),
    ("Database", ("Oracle", "MS SQL Server", "PostgreSQL", "Performance")),
    ("Security", ("Certificate", "Access", "Malware")),
)

# Symptoms per category (same order as CATEGORIES), used in short descriptions.
SYMPTOMS: tuple[tuple[str, ...], ...] = (
    ("Users unable to log in", "Transactions failing with HTTP 500 errors",
     "Application unresponsive, timeouts reported", "Batch job failed overnight",
     "Slow response times, customers abandoning sessions"),
    ("Site unreachable from branch offices", "Intermittent packet loss on core links",
     "DNS resolution failures", "VPN tunnels dropping, remote users disconnected"),
    ("Host down after unexpected reboot", "Storage array latency above 200 ms",
     "Disk full on production node, service degraded"),
    ("Database connections exhausted", "Replication lag, stale data shown to customers",
     "Deadlocks causing failed writes"),
    ("Expired TLS certificate, clients rejecting connections",
     "Suspicious logins blocked, accounts locked out"),
)
CHANGE_SYMPTOM = "Errors after overnight change"

ASSIGNMENT_GROUPS = (
    "Service Desk L1", "Major Incident Management", "Network Operations",
    "Cloud Platform Engineering", "Database Administration", "Application Support",
    "Security Operations", "End User Computing", "Identity & Access Management",
    "Storage & Backup",
)

# MSP engineers (assigned_to, journal authors, action owners).
ENGINEERS = (
    "Priya Shah", "Tom Okafor", "Mei Lin", "James Whitfield", "Aisha Rahman", "Lukas Novak",
    "Sofia Marquez", "Daniel Mensah", "Hannah Cole", "Ravi Iyer", "Olga Petrova",
    "Ben Adeyemi", "Chloe Martin", "Yusuf Demir", "Grace Kim", "Marco Rossi", "Nadia Haddad",
    "Oliver Grant", "Fatima Zahra", "Sean Murphy", "Ingrid Larsen", "Kwame Boateng",
    "Emily Brooks", "Arjun Patel", "Lena Fischer", "Tariq Aziz", "Zoe Campbell",
    "Hiroshi Tanaka", "Amara Nwosu", "Peter Walsh",
)
COMMANDERS = ("Rachel Dunn", "Victor Alvarez", "Samira Khan", "George Bell", "Ana Costa",
              "Michael O'Brien")
COMMS_LEADS = ("Laura Jennings", "Kofi Asante", "Ewa Kowalska", "Dev Malhotra")
# Client-side people: service owners (PIR owners) and executive contacts.
CLIENT_PEOPLE = (
    "Helen Carter", "Raj Mehta", "Sarah Lewis", "David Chen", "Claire Dubois", "Mark Taylor",
    "Nina Johansson", "Paul Wright", "Alice Morgan", "Omar Said", "Julia Novak",
    "Chris Evans",
)

# Status updates (ServiceNow `comments`, PagerDuty status updates), by phase.
COMMENT_FIRST = (
    "Major incident declared. We are aware of a service disruption and the incident "
    "commander has engaged the resolver teams. Next update in {cadence} minutes."
)
COMMENT_PROGRESS = (
    ("Update: engineers are investigating the cause; customer impact is unchanged. "
     "Next update in {cadence} minutes."),
    ("Status update\nImpact: degraded service for some users\nActions: diagnostics in "
     "progress, vendor engaged\nNext update: {cadence} minutes"),
    ("Update: the cause has been identified and a fix is being prepared, with a rollback "
     "plan approved. Next update in {cadence} minutes."),
    ("Update: mitigation is being applied; some users may still see errors. "
     "Next update in {cadence} minutes."),
    ("Update: service is recovering, we are monitoring error rates before confirming "
     "restoration. Next update in {cadence} minutes."),
)
COMMENT_RESOLVED = (
    "Resolved: service has been restored and validated. A post-incident review will follow "
    "within five working days."
)
COMMENT_ROUTINE = (
    "We are looking into the issue you reported and will update you as we progress.",
    "A fix has been applied; please confirm the issue is resolved on your side.",
    "Awaiting information from your team to continue the investigation.",
)
# Internal `work_notes`. The last one reads like a customer update but is
# internal: it must not count towards status-update compliance.
WORK_NOTES = (
    "Checked application logs, errors started at the time of the alert.",
    "Engaged DBA on-call, reviewing connection pool metrics.",
    "Restarted service on node 2, monitoring.",
    "Vendor case raised with severity 1.",
    "Rollback plan reviewed with the change owner.",
    "Failover to secondary site tested in read-only mode.",
    "Health checks green on all nodes, keeping bridge open for 15 minutes.",
    "Draft customer update prepared, waiting for commander approval before sending.",
)

PIR_ACTION_TITLES = (
    "Add alerting on connection pool saturation", "Update runbook with rollback steps",
    "Automate certificate renewal", "Capacity review of affected cluster",
    "Add pre-change health check to deployment pipeline", "Fix retry storm in client library",
    "Review vendor escalation contacts", "Add synthetic transaction monitoring",
)
MITIGATION_TITLES = (
    "Roll back the last deployment", "Fail over to the secondary site",
    "Scale out the application tier", "Restart the message broker",
    "Apply vendor hotfix", "Block abusive traffic at the edge",
)
RESIDUAL_RISKS = (
    "Workaround in place until permanent fix is deployed; recurrence possible under peak load.",
    "Root cause fixed; low residual risk, monitored through new alert.",
    "Dependency on vendor patch; risk accepted by service owner until next release.",
    "No residual risk identified after validation.",
)
CHANGE_TITLES = (
    "Patch application servers", "Upgrade database minor version", "Firewall rule update",
    "Deploy application release", "Certificate rotation", "Storage firmware update",
    "Network switch replacement", "Scale cluster node pool",
)

# Decision-log entries: (lane, kind, text) in the order they happen.
DECISION_LOG = (
    ("commander", "decision", "Major incident declared; bridge opened"),
    ("communications", "update", "Stakeholders notified"),
    ("service_owner", "decision", "Mitigation approved with rollback plan"),
    ("executive_liaison", "update", "Client executives briefed"),
    ("technical_lead", "action", "Mitigation applied; rollback point recorded"),
    ("commander", "decision", "Service restored; stood down"),
)
