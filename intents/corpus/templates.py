"""Phrasings of the built-in intents; ``{slot}`` marks a value drawn in ``values.py``.

Slots: A approver, S approval subject, M money, R reason, TO recipients, ES email subject,
B email body, RID request id; form fields by name (name, email, phone, company, tier,
customer, product, qty, price, money, category, desc, project, hours, date, order_id,
issue, priority). Extra fixed arguments ride along as the template's second item.
"""

from __future__ import annotations

from typing import Any

Template = tuple[str, dict[str, Any]]

APPROVAL_REQUEST: list[str] = [
    "can {A} sign off on {M} for {S}?", "can {A} approve {S}?", "please ask {A} to approve {S}",
    "I need approval from {A} for {S}", "get {A} to OK {S}", "request approval: {S} {M} approver {A}",
    "need {A}'s approval for {S}, {M}", "ask {A} to approve {M} for {S} {R}",
    "please ask {A} to approve {S}, {M}, {R}", "send {S} to {A} for approval",
    "{A} please approve {S}", "{A} can you approve {S} ({M})?", "approval needed from {A}: {S}",
    "I'd like {A} to sign off on {S}", "could you get sign-off from {A} on {S}?",
    "request sign off from {A} for {S} {R}", "raise an approval for {S} with {A}",
    "start an approval for {S}, {M}, approver {A}", "need a thumbs up from {A} on {S}",
    "route {S} to {A} for approval", "pls get {A} to approve {S} {M}",
    "requesting approval from {A}: {S} - {M}", "ask {A} if {S} is ok, it's {M}",
    "can you ask {A} to sign off {S}? {R}", "I want to buy {S} for {M}, approver is {A}",
    "new approval request to {A} for {S}", "have {A} approve {S} please",
    "submit {S} ({M}) to {A} for approval {R}", "get approval from {A} on {S}",
    "approval request for {S}, {M}, send it to {A}", "{A} needs to approve {S}",
    "kindly request {A}'s approval for {S}", "seek approval from {A} for {S} {R}",
    "I need {A} to greenlight {S}", "get {A}'s sign-off for {M} on {S}",
    "open an approval: {S}, amount {M}, approver {A}", "approve request to {A}: {S} {M}",
    "need sign off on {S} from {A} asap", "can {A} ok {M} for {S}",
]
APPROVAL_LIST: list[Template] = [
    (t, {"scope": "mine"}) for t in [
        "which approvals are sitting with me?", "show pending approvals for me to decide", "anything for me to approve?",
        "what do I need to sign off on", "list approvals waiting for me", "which requests need my approval",
        "do I have any approvals pending", "show what's in my approval queue", "pending approvals for me",
        "what's waiting for my sign-off", "approvals I need to review", "any requests waiting on my ok?",
        "what should I approve today", "my approval inbox", "show me approvals assigned to me",
        "anything needing my signature?", "what's pending for me", "approvals waiting for my decision",
        "do I owe anyone an approval", "which approvals am I holding up", "list what I have to approve",
        "is anyone waiting on me to approve something", "show me my to-approve list",
        "what approvals have been sent to me", "review queue please", "my pending sign-offs",
    ]
] + [
    (t, {"scope": "requested"}) for t in [
        "show the approvals I asked for", "what's the status of my requests", "list my approval requests",
        "which of my requests are still pending", "did anyone approve my requests yet",
        "approvals I submitted", "show requests I sent for approval", "where are my approval requests at",
        "what have I requested so far", "status of approvals I raised", "list the requests I opened",
        "has my request been approved yet", "show my submitted approvals",
        "what happened to my approval requests", "are my requests still waiting",
        "show approvals I'm waiting on", "which of my asks got approved", "list my open requests",
        "who still needs to approve my stuff", "track my approval requests", "my requests status?",
        "show the approvals I sent out", "did my requests go through",
    ]
] + [
    (t, {}) for t in ["list approvals", "show approvals", "approvals?", "open approvals please",
                      "show all pending approvals"]
]
APPROVAL_CANCEL: list[Template] = [
    (t, {}) for t in [
        "cancel {RID}", "withdraw my request {RID}", "please cancel approval {RID}",
        "never mind about {RID}, cancel it", "pull back {RID}", "retract approval request {RID}",
        "cancel the approval request {RID}", "{RID} is no longer needed, cancel it",
        "drop {RID} please", "I want to withdraw {RID}", "scrap request {RID}",
        "cancel my approval {RID} please", "withdraw {RID}, we found a cheaper option",
        "kill approval request {RID}", "revoke my request {RID}",
    ]
] + [
    (t, {}) for t in [
        "cancel my last approval request", "withdraw the request I just sent",
        "never mind, cancel that approval", "cancel my pending request",
        "take back my approval request", "I don't need that approval anymore, cancel it",
    ]
]
EMAIL_SEND: list[str] = [
    "email {TO} about {ES}", "send an email to {TO} saying {B}", "email {TO}: {B}",
    "mail {TO} with subject {ES}: {B}", "shoot {TO} a note that {B}", "email {TO} re {ES}",
    "send {TO} an email about {ES}", "drop {TO} an email: {B}", "write to {TO} that {B}",
    "send a mail to {TO} subject \"{ES}\" body \"{B}\"", "email {TO} and say {B}",
    "can you email {TO} that {B}?", "please send an email to {TO} about {ES} saying {B}",
    "compose an email to {TO} about {ES}", "let {TO} know by email that {B}",
    "fire off an email to {TO}: {B}", "send email to {TO}", "email {TO}",
    "mail {TO} regarding {ES}", "send {TO} a message by email: {B}",
    "new email to {TO}, subject: {ES}", "ping {TO} by email about {ES}",
    "email {TO} with the subject {ES}", "pls email {TO} - {B}",
    "let {TO} know that {B}", "let {TO} know {B}", "send mail to {TO} with subject {ES}",
    "email {TO} subject '{ES}' body '{B}'", "email {TO} telling them {B}",
    "send {TO} an email telling him {B}", "drop {TO} a line telling her that {B}",
]
FORM_CREATE: list[Template] = [
    ("add customer {name}, {email}", {"form": "customer"}),
    ("new customer: {name} from {company}, {email}, {phone}", {"form": "customer"}),
    ("create a customer record for {name} at {company}, tier {tier}", {"form": "customer"}),
    ("add {company} as a customer, contact {name}, phone {phone}", {"form": "customer"}),
    ("register client {name} ({email}) from {company}", {"form": "customer"}),
    ("add a {tier} customer {name}", {"form": "customer"}),
    ("sign up {company} as a {tier} customer", {"form": "customer"}),
    ("new customer {company}, {email}", {"form": "customer"}),
    ("add the company {company} as a customer, tier {tier}", {"form": "customer"}),
    ("new order for {customer}: {qty} x {product} at {price} each", {"form": "order"}),
    ("create an order: {qty} {product} for {customer}", {"form": "order"}),
    ("{customer} ordered {qty} {product}", {"form": "order"}),
    ("enter an order for {customer}, product {product}, quantity {qty}, unit price {price}", {"form": "order"}),
    ("place order {qty} x {product} for {customer}", {"form": "order"}),
    ("log an order of {qty} {product} at {price} for {customer}", {"form": "order"}),
    ("{customer} needs {qty} licenses of {product}", {"form": "order"}),
    ("order {qty} seats of {product} for {customer}", {"form": "order"}),
    ("{qty} units of {product} for {customer}, please enter it", {"form": "order"}),
    ("log an expense of {money} for {category}: {desc}", {"form": "expense"}),
    ("expense {money} {desc}", {"form": "expense"}),
    ("file an expense: {desc}, {money}, category {category}", {"form": "expense"}),
    ("add expense {money} for {desc}", {"form": "expense"}),
    ("I spent {money} on {desc}, put it under {category}", {"form": "expense"}),
    ("submit a {category} expense of {money}", {"form": "expense"}),
    ("record {money} for {desc}", {"form": "expense"}),
    ("log {hours}h on {project}", {"form": "timesheet"}),
    ("log {hours} hours on {project} {date}", {"form": "timesheet"}),
    ("timesheet: {project}, {hours} hours, {date}", {"form": "timesheet"}),
    ("I worked {hours} hours on {project} {date}", {"form": "timesheet"}),
    ("add {hours}h to {project} for {date}", {"form": "timesheet"}),
    ("book {hours} hours against {project}", {"form": "timesheet"}),
    ("track {hours} hrs on {project}", {"form": "timesheet"}),
    ("log {hours} hours on project {project}", {"form": "timesheet"}),
    ("spent {hours}h on the {project} project {date}", {"form": "timesheet"}),
    ("I put {hours} hours into the {project} {date}", {"form": "timesheet"}),
    ("open a ticket for {customer}: {issue}, priority {priority}", {"form": "ticket"}),
    ("new support ticket: {customer}, order {order_id}, {issue}", {"form": "ticket"}),
    ("create a {priority} priority ticket for {customer} - {issue}", {"form": "ticket"}),
    ("file a ticket: {issue} (order {order_id})", {"form": "ticket"}),
    ("log a support case for {customer}, {issue}", {"form": "ticket"}),
    ("raise a ticket for order {order_id}: {issue}", {"form": "ticket"}),
]
FORM_QUERY: list[Template] = [
    ("show orders for {customer}", {"form": "order"}),
    ("find all orders from {customer}", {"form": "order"}),
    ("look up order {order_id}", {"form": "order"}),
    ("how many {product} did {customer} order?", {"form": "order"}),
    ("list orders of {product}", {"form": "order"}),
    ("find customer {name}", {"form": "customer"}),
    ("who is the customer with email {email}", {"form": "customer"}),
    ("list {tier} tier customers", {"form": "customer"}),
    ("show customers from {company}", {"form": "customer"}),
    ("look up the customer record for {company}", {"form": "customer"}),
    ("show my expenses for {category}", {"form": "expense"}),
    ("list expenses in {category}", {"form": "expense"}),
    ("what did I spend on {category}?", {"form": "expense"}),
    ("find expenses for {desc}", {"form": "expense"}),
    ("how many hours have I logged on {project}", {"form": "timesheet"}),
    ("show timesheet entries for {project}", {"form": "timesheet"}),
    ("what did I log {date}", {"form": "timesheet"}),
    ("hours on {project} {date}?", {"form": "timesheet"}),
    ("show open tickets for {customer}", {"form": "ticket"}),
    ("list {priority} priority tickets", {"form": "ticket"}),
    ("any tickets about order {order_id}?", {"form": "ticket"}),
    ("find tickets for {customer} with priority {priority}", {"form": "ticket"}),
    ("show all customers", {"form": "customer"}),
    ("list all orders", {"form": "order"}),
    ("show my timesheet", {"form": "timesheet"}),
    ("list all tickets", {"form": "ticket"}),
]
HELP: list[str] = [
    "help please", "I need help", "what are you able to do?", "how do I request an approval?", "how does this bot work",
    "what commands are there", "how do I send an email with you", "can you send emails?",
    "what forms can I fill in", "how do I cancel a request?", "show me some examples",
    "what are you for", "how do I log hours", "how do I add a customer", "help me out here",
    "I'm lost, what can I ask you", "what does flowdesk do", "usage?", "how do I use this",
    "can you explain how approvals work", "what can I ask for", "list your features",
    "how do I look up an order", "is there a way to see my approvals", "what are the commands",
    "how do I file an expense", "can you help me", "instructions please", "how do you work",
    "what kinds of records can I create", "how do I check on my requests", "tips?",
    "how do I ask someone to approve something", "do you support timesheets?",
    "what can this bot do for me", "help with approvals", "help with email", "getting started",
    "how do I open a ticket", "where do I start", "what do you understand",
    "what can I do here", "how do I get something approved", "what are my options",
    "explain what you can help with", "how do I query records", "can you fill in forms?",
    "how do I withdraw a request", "how do I email someone through you", "what is this bot",
    "I need help", "help please", "what do I type", "show help", "menu", "commands",
    "how does the expense form work", "which fields does the order form have",
    "can you do approvals?", "are you able to send mail", "what's the syntax for logging time",
    "how should I phrase a request", "give me a quick tour", "who are you and what can you do",
    "how do I see what's waiting on me", "how do I cancel something I asked for",
    "does this bot support Teams", "what integrations do you have", "how do I talk to you",
]
