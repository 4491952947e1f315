"""The workflow the artefacts govern, as plain data.

Source: ``seeds/000_b37ecfacaa862fd3.txt`` (ServiceNow MSP major-incident
command workflow). The seed's wording is kept where it exists; where the seed
names a step without detail (lane duties, rollback steps, escalation paths),
the detail below is the operating practice the seed's steps imply, written
once here so the runbook, the register, the deck and the proof brief all say
the same thing. No tenant data lives here: writers combine this text with
the figures in an :class:`exporters.context.ExportContext`.

Evidence keys (``Control.evidence``) are KPI keys from
``analytics.kpis.result.KPIS`` or one of ``EVIDENCE_DATA_QUALITY`` keys; see
``exporters.evidence`` for the figure each one shows.
"""

from __future__ import annotations

from dataclasses import dataclass

WORKFLOW_TITLE = "ServiceNow MSP Major Incident Command Workflow"
PROBLEM_STATEMENT = (
    "Major incidents in enterprise MSP environments stall when command structure and "
    "decision flow are not codified."
)


@dataclass(frozen=True)
class Owner:
    role: str          # "Primary owner", "Approver", "Support owner"
    who: str           # the seed's group
    accountable_for: str


OWNERS: tuple[Owner, ...] = (
    Owner("Primary owner", "Enterprise MSP incident managers",
          "Owns the workflow, the runbook and the KPI review; assigns commanders."),
    Owner("Approver", "Service directors",
          "Approves scope, go-live, high-risk outputs and policy exceptions; chairs the "
          "weekly KPI review."),
    Owner("Support owner", "Command leads",
          "Run the command timeline during a major incident; keep the decision log and "
          "evidence links complete."),
)

# "Read this before touching tools": nothing goes live until every item is true.
PREREQUISITES: tuple[str, ...] = (
    "Access and permissions confirmed for every app in the stack.",
    "Approval and escalation paths documented before automation goes live.",
    "Baseline KPI snapshot captured before first pilot run.",
)

APP_STACK: tuple[tuple[str, str], ...] = (
    ("ServiceNow", "System of record: incident, major-incident state, journal, change and problem."),
    ("Collaboration platform", ("Command bridge and stakeholder channel; every decision is "
     "mirrored to the decision log.")),
    ("Monitoring stack", ("Detection and service-health evidence for triggers, mitigation "
     "and service validation.")),
    ("Knowledge repository", "Runbooks, templated status outputs, PIR records and handover notes."),
)
APP_STACK_NOTE = (
    "Start with the minimum viable stack that can run the process reliably. Expand only when "
    "controls, reporting, and ownership are stable. Each component has explicit ownership and logging."
)

# The seed's six deployment steps, in order; every section of the runbook elaborates one.
PLAYBOOK_STEPS: tuple[str, ...] = (
    ("Trigger major incident mode in ServiceNow using strict criteria (business impact, "
    "multi-service outage, regulatory risk) with commander assignment."),
    ("Stand up command timeline with role-based lanes (communications, technical lead, service "
    "owner, executive liaison) and decision log requirements."),
    ("Enforce update cadence and stakeholder briefing schedule with templated status outputs and "
    "evidence links."),
    ("Route mitigation actions through prioritized execution queue with dependency tracking and "
    "rollback safeguards."),
    ("Close incident only after service validation, customer confirmation, and documented "
    "residual-risk statement."),
    ("Run structured PIR within governance window, tracking action ownership to closure and "
    "measuring recurrence prevention effectiveness."),
)
PLAYBOOK_NOTE = "Execute in order. Do not skip approval and verification gates even if steps look routine."


@dataclass(frozen=True)
class Trigger:
    criterion: str
    test: str          # how the on-call incident manager decides


TRIGGER_CRITERIA: tuple[Trigger, ...] = (
    Trigger("Business impact", "A critical business service is unavailable or degraded for "
            "many users, or revenue-bearing transactions are failing."),
    Trigger("Multi-service outage", "Two or more business services or configuration items are "
            "affected by the same cause."),
    Trigger("Regulatory risk", "The outage or its data exposure may breach a regulatory, "
            "contractual or security obligation of the client."),
)
TRIGGER_RULE = (
    "Any one criterion is enough. Declare in ServiceNow (major incident state = accepted) and "
    "assign a commander before any other step; the declaration time starts the update cadence."
)

COMMANDER_STEPS: tuple[str, ...] = (
    ("The on-call incident manager proposes major-incident mode in ServiceNow and names the "
    "criterion met."),
    ("The commander is assigned from the command-lead rota within 15 minutes of the proposal; the "
    "assignment is the first decision-log entry."),
    "The commander accepts the major incident, opens the command bridge and staffs the four lanes.",
    ("If no commander accepts within 15 minutes, the incident manager escalates to the service "
    "director on duty, who commands until a command lead takes over."),
    "Handover of command is a decision-log entry naming the outgoing and incoming commander.",
)


@dataclass(frozen=True)
class Lane:
    key: str           # as in timeline_events.lane
    name: str
    duties: tuple[str, ...]
    logs: str          # what this lane must write to the decision log


LANES: tuple[Lane, ...] = (
    Lane("commander", "Incident commander",
         ("Owns priorities and every go/no-go decision.",
          "Approves mitigation order, rollbacks and customer-facing statements.",
          "Calls closure once every gate has evidence."),
         "Every decision with its reason, owner and time."),
    Lane("communications", "Communications",
         ("Posts stakeholder updates at the configured cadence from the templates.",
          "Runs the stakeholder briefing schedule.",
          "Links each update to its evidence."),
         "Each status update and briefing, with the evidence link."),
    Lane("technical_lead", "Technical lead",
         ("Diagnoses and runs the mitigation queue.",
          "Tracks dependencies between actions.",
          "Prepares and tests the rollback before any production change."),
         "Each action started, completed or rolled back."),
    Lane("service_owner", "Service owner",
         ("Confirms business impact and user-facing symptoms.",
          "Validates service restoration with the monitoring evidence.",
          "Owns the residual-risk statement."),
         "Impact assessment, service validation and residual risk."),
    Lane("executive_liaison", "Executive liaison",
         ("Briefs client executives and the service director.",
          "Handles regulatory and contractual notifications.",
          "Obtains customer confirmation of restoration."),
         "Executive briefings, notifications and the customer confirmation."),
)
DECISION_LOG_RULE = (
    "Every lane writes to one decision log on the command timeline: time, lane, decision or "
    "action, owner and an evidence link. An entry without an owner or evidence is incomplete."
)

# Update cadence: minutes come from configuration (cadence_minutes); this is the wording around it.
CADENCE_AUDIENCE = "Stakeholders, customers and the public status page"
CADENCE_RULE = (
    "While a major incident is open, the communications lane owes one stakeholder-facing update "
    "in every cadence interval from declaration until resolution, from the templated status "
    "output, with an evidence link. Internal work notes do not count."
)
STATUS_TEMPLATE_FIELDS: tuple[str, ...] = (
    "Current impact and affected services",
    "What has been done since the last update",
    "Next actions and their owners",
    "Time of the next update",
    "Evidence link",
)

MITIGATION_QUEUE_RULES: tuple[str, ...] = (
    ("Every mitigation action enters one prioritized execution queue with an owner, a priority "
    "and a due time; nothing is executed outside the queue."),
    ("An action that depends on another records that action's ID (depends on); it does not start "
    "until its dependency is complete."),
    ("The technical lead orders the queue by user impact removed per unit of risk; the commander "
    "approves the order."),
    ("No production change starts without a written, tested rollback step and a named person to "
    "run it."),
    "Each started, completed or rolled-back action is a decision-log entry with evidence.",
)
ROLLBACK_STEPS: tuple[str, ...] = (
    ("Before executing, record the rollback trigger (the signal that the change made things worse) "
    "and the rollback steps."),
    "Execute the change; watch the trigger signal for the agreed observation period.",
    "If the trigger fires, stop dependent actions and run the rollback without further approval.",
    "Verify the service is back to its pre-change state with monitoring evidence.",
    "Log the rollback and its evidence, then re-plan the action in the queue.",
)

CLOSURE_GATES: tuple[tuple[str, str], ...] = (
    ("Service validation", "The service owner confirms restoration with monitoring evidence."),
    ("Customer confirmation", "The executive liaison records the client's confirmation."),
    ("Residual-risk statement", "The service owner documents what risk remains and who owns it."),
)
CLOSURE_RULE = "Close the incident only when all three gates are recorded; a missing gate keeps it open."

PIR_STEPS: tuple[str, ...] = (
    "Schedule the PIR at resolution; the due date is the resolution time plus the PIR window.",
    "Reconstruct the timeline from the decision log and the status updates.",
    "Establish contributing causes, including any linked change.",
    "Agree corrective actions, each with one owner and a due date, and enter them as PIR actions.",
    "Track every action to closure in the weekly review; overdue actions are escalated.",
    "Measure recurrence prevention: repeat major incidents on the same service or problem after the PIR.",
)


@dataclass(frozen=True)
class Escalation:
    when: str
    to: str
    within: str


ESCALATIONS: tuple[Escalation, ...] = (
    Escalation("No commander has accepted the major incident", "Service director on duty", "15 minutes"),
    Escalation("A status update is overdue", "Commander", "At the missed due time"),
    Escalation("A mitigation is blocked, or a rollback fired", "Commander", "Immediately"),
    Escalation("A high-risk output or policy exception needs approval", "Service director (approver)",
               "Before it is released"),
    Escalation("Regulatory or contractual exposure", "Executive liaison, then client executives",
               "Within the contractual notice period"),
    Escalation("A PIR or PIR action is overdue", "Primary owner, then service director",
               "At the weekly KPI review"),
)
SECTOR_VARIANTS: tuple[str, ...] = (
    "Route high-severity outputs through a human incident commander before customer communication.",
    "Maintain rollback-ready runbooks for every automation touching production services.",
    "Enforce tenant and customer segmentation in logs, storage, and notification channels.",
)

# The seed's twelve rhythm items, grouped four weeks of three (its order).
RHYTHM: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Week 1 — Prepare", (
        "Freeze workflow scope, owner list, and approval checkpoints.",
        "Capture baseline values for all listed KPIs.",
        "Confirm tool access, permissions, and escalation channels.")),
    ("Week 2 — Pilot", (
        "Run workflow on a controlled subset of cases.",
        "Log false positives/negatives and every manual override.",
        "Hold end-of-week review with named owners before expansion.")),
    ("Week 3 — Expand", (
        "Increase coverage to normal operating volume.",
        "Tune thresholds/prompts/routing based on pilot evidence.",
        "Confirm SLA adherence and escalation response quality.")),
    ("Week 4 — Operate", (
        "Publish the runbook and handover notes for ongoing operation.",
        "Lock reporting cadence for KPI review and incident review.",
        "Approve next optimization backlog from observed bottlenecks.")),
)


@dataclass(frozen=True)
class Risk:
    id: str
    text: str


RISKS: tuple[Risk, ...] = (
    Risk("R1", "Bad or incomplete input data creates incorrect automations."),
    Risk("R2", "Unreviewed auto-generated outputs can trigger customer-facing errors."),
    Risk("R3", "Overly broad app permissions can expose sensitive data."),
    Risk("R4", "Missing observability makes failures invisible until damage occurs."),
)

PSF_DOMAINS: dict[str, str] = {
    "D2": "Output validation", "D4": "Observability", "D5": "Deployment safety", "D6": "Human oversight",
}
PAI8_CONTROLS: dict[str, str] = {
    "C2": "Decision quality", "C4": "Command telemetry", "C5": "Mitigation safety",
    "C6": "Incident governance",
}

# Evidence keys that are data-quality figures rather than KPIs.
EVIDENCE_DATA_QUALITY: dict[str, str] = {
    "rows_rejected": "Rows rejected at ingest",
    "data_quality_findings": "Data-quality findings",
}


@dataclass(frozen=True)
class Control:
    id: str
    text: str
    mitigates: str            # Risk.id
    psf: str                  # PSF_DOMAINS key
    pai8: str                 # PAI8_CONTROLS key
    owner: str                # OWNERS role's group
    review: str               # how often the control is reviewed
    review_days: int          # the same as a number, for review dates
    evidence: tuple[str, ...]  # KPI keys or EVIDENCE_DATA_QUALITY keys, headline first


CONTROLS: tuple[Control, ...] = (
    Control("K1", "Enforce mandatory intake fields and validation rules before execution.",
            "R1", "D2", "C2", "Command leads", "Weekly", 7,
            ("rows_rejected", "data_quality_findings", "closure_gate_pct")),
    Control("K2", "Require human approval on high-risk outputs and policy exceptions.",
            "R2", "D6", "C6", "Service directors", "Weekly", 7,
            ("update_compliance_pct", "pir_on_time_pct", "action_on_time_pct")),
    Control("K3", "Apply least-privilege access and review integrations quarterly.",
            "R3", "D5", "C5", "Enterprise MSP incident managers", "Quarterly", 91,
            ("change_related_pct", "change_failure_rate_pct", "reopen_rate_pct")),
    Control("K4", "Track KPI and exception dashboards weekly with named owners.",
            "R4", "D4", "C4", "Enterprise MSP incident managers", "Weekly", 7,
            ("mtta_minutes", "mttr_minutes", "repeat_rate_pct")),
)

# The seed's KPI targets in its own words, by KPI key (the numbers come from configuration).
KPI_TARGET_TEXT: dict[str, str] = {
    "mttr_minutes": "Major incident MTTR: 20-50% reduction by week 8 after control gating is enforced.",
    "update_compliance_pct": "Status update compliance: establish week-1 baseline and target "
    "10-15% quarter-one improvement.",
    "repeat_rate_pct": "Repeat major incident rate: 10-25% improvement by week 8 with weekly QA reviews.",
}
PROOF_NOTE = (
    "Establish a baseline first, then measure movement at week 4 and week 8 using the KPI set above. "
    "Where outcomes lag, the common cause is weak human approval discipline rather than "
    "automation capability."
)
REFERENCES: tuple[str, ...] = (
    "DORA — Software delivery performance: reference ranges for incident and delivery reliability programs.",
    "ITIL practice guidance (AXELOS/PeopleCert): operational service response and escalation quality baselines.",
    ("NIST AI Risk Management Framework: fallback governance reference when workflow-specific mappings "
    "are unavailable."),
    "D6 Human Oversight Guide: fallback operating control pattern for human review and escalation.",
)


def risk(risk_id: str) -> Risk:
    """The risk with this ID (``KeyError`` when none)."""
    return {r.id: r for r in RISKS}[risk_id]
