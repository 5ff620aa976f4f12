"""Vocabulary of synthetic sessions: prompts, file paths and commands that fit each work mode.

Prompts use the words a rule classifier keys on ("fix the failing test", "deploy", "explain how",
"write the README", "analyze the csv"), sometimes in another language. Task and follow-up prompts
must never read as corrections (models.language.is_correction); the correction prompts always do.
"""

from __future__ import annotations

from typing import Any

# -- project stacks: where files of each kind live and which commands run them ---------------------
_PY_MODULES = ("api", "models", "service", "auth", "billing", "parser", "db", "handlers", "cli", "scheduler")
_TS_MODULES = ("api", "store", "auth", "checkout", "cart", "router", "hooks", "session", "search", "format")
_GO_MODULES = ("ingest", "queue", "server", "config", "storage", "metrics", "auth", "router", "worker", "cache")

STACKS: dict[str, dict[str, Any]] = {
    "python": {
        "modules": _PY_MODULES,
        "code": "src/app/{m}.py", "test": "tests/test_{m}.py",
        "config": ("pyproject.toml", ".github/workflows/ci.yml", "docker-compose.yml", "Dockerfile",
                   "config/settings.yaml", ".env.example", "deploy/k8s/deployment.yaml"),
        "docs": ("README.md", "docs/architecture.md", "docs/api.md", "CHANGELOG.md", "docs/runbook.md"),
        "test_cmd": ("pytest -q tests/test_{m}.py", "python -m pytest -x", "pytest -q"),
        "build_cmd": ("make build", "uv sync", "pip install -e .", "ruff check .", "mypy src"),
        "run_cmd": ("python -m app.cli --help", "uvicorn app.api:app --port 8000", "python scripts/seed.py"),
        "lang": "python",
    },
    "typescript": {
        "modules": _TS_MODULES,
        "code": "src/{m}.ts", "test": "src/__tests__/{m}.test.ts",
        "config": ("package.json", "tsconfig.json", ".github/workflows/ci.yml", ".prettierrc.json",
                   "Dockerfile", ".eslintrc.json", "deploy/k8s/web.yaml"),
        "docs": ("README.md", "docs/components.md", "CHANGELOG.md", "docs/deploy.md"),
        "test_cmd": ("npm test -- {m}", "npx vitest run", "npm test"),
        "build_cmd": ("npm run build", "npm install", "npx eslint src", "npx tsc --noEmit"),
        "run_cmd": ("npm run dev", "node scripts/check.js", "curl -s localhost:3000/health"),
        "lang": "ts",
    },
    "go": {
        "modules": _GO_MODULES,
        "code": "internal/{m}/{m}.go", "test": "internal/{m}/{m}_test.go",
        "config": ("go.mod", "Makefile", ".github/workflows/release.yml", "deploy/helm/values.yaml",
                   "config/config.yaml", "Dockerfile"),
        "docs": ("README.md", "docs/design.md", "CHANGELOG.md", "docs/operations.md"),
        "test_cmd": ("go test ./internal/{m}/...", "go test ./...", "go test -race ./..."),
        "build_cmd": ("go build ./...", "make build", "golangci-lint run", "go mod tidy"),
        "run_cmd": ("go run ./cmd/server", "curl -s localhost:8080/healthz", "go run ./cmd/cli status"),
        "lang": "go",
    },
}  # fmt: skip
PROJECTS: dict[str, tuple[str, ...]] = {
    "python": ("acme/billing-api", "acme/etl-pipeline", "lab/churn-analysis", "lab/eval-harness", "ops/infra-bot"),
    "typescript": ("acme/web-dashboard", "acme/checkout-web", "oss/markdown-kit", "ops/status-page"),
    "go": ("acme/ingest-gateway", "ops/k8s-operator", "oss/tiny-queue"),
}
DATA_FILES = ("data/orders.csv", "data/customers.csv", "data/events.parquet", "data/survey_2025.xlsx",
              "data/latency.tsv", "sql/weekly_revenue.sql", "data/signups.jsonl")  # fmt: skip
NOTEBOOKS = ("notebooks/exploration.ipynb", "notebooks/churn.ipynb", "notebooks/report.ipynb")
ANALYSIS_CODE = ("analysis/churn.py", "analysis/retention.py", "analysis/plots.py")
AGENT_FILES = ("prompts/triage.md", ".claude/agents/reviewer.md", "evals/triage.yaml", "prompts/system.md",
               ".claude/commands/release.md", "agents/pipeline.py")  # fmt: skip
PLAN_FILES = ("docs/plan.md", "PLAN.md", "docs/rfc-0007.md")

# operating work inspects the environment along the way; the commands that change it (SHIP_CMDS) are
# the "matching command output" that closes a session with a hard success signal
DEPLOY_CMDS = ("kubectl get pods -n staging", "kubectl logs deploy/api --tail=50", "terraform plan -out plan.tfplan",
               "kubectl rollout status deploy/api -n staging", "helm lint deploy/helm", "docker ps",
               "docker build -t registry.local/api:1.4.2 .", "systemctl status nginx", "kubectl describe deploy/api")
SHIP_CMDS = ("kubectl apply -f deploy/k8s/", "helm upgrade --install api deploy/helm -n staging",
             "terraform apply plan.tfplan", "docker compose up -d", "gh workflow run release.yml",
             "fly deploy --app status-page")  # fmt: skip
DATA_CMDS = ("python analysis/churn.py", "duckdb -c \"select count(*) from 'data/orders.csv'\"",
             "sqlite3 data/app.db 'select plan, count(*) from users group by 1'", "python -c \"import pandas as pd; "
             "print(pd.read_csv('data/orders.csv').describe())\"", "jq '.[0]' data/signups.jsonl",
             "psql -c 'select count(*) from orders'")  # fmt: skip
SEARCH_CMDS = ("ls -la", "git log --oneline -20", "find . -name '*.md' | head", "git status", "tree -L 2",
               "git diff --stat", "grep -rn TODO src | head")  # fmt: skip
AGENT_CMDS = ("python agents/pipeline.py --dry-run", "python -m evals.run evals/triage.yaml",
              "claude -p 'summarize the open issues' --output-format json")  # fmt: skip
GREP_PATTERNS = ("def handle_", "TODO", "timeout", "class .*Error", "import requests", "retry", "session_id",
                 "DATABASE_URL", "useEffect", "func New")  # fmt: skip

# -- prompts ---------------------------------------------------------------------------------------
AREAS = ("login", "checkout", "billing", "search", "export", "signup", "notifications", "rate limiter",
         "cache", "webhook", "report", "upload")  # fmt: skip
FEATURES = ("pagination", "a dark mode toggle", "CSV export", "retry with backoff", "an audit log", "OAuth login",
            "a health check endpoint", "bulk delete", "email notifications", "feature flags")  # fmt: skip

TASKS: dict[str, tuple[str, ...]] = {
    "fix": ("fix the failing test in {test}", "the {area} endpoint returns a 500 since the last deploy, find the bug "
            "and fix it", "getting a TypeError in {code} when the list is empty, please fix it", "CI is red after "
            "the merge: the build fails in {code}, fix it", "bug: {area} crashes when the user has no email, fix "
            "it", "users report that {area} is broken on Safari. find the bug in {code}"),
    "build": ("add {feature} to the {area} page", "implement {feature} in {code}", "create a new endpoint for "
              "{area} with validation", "refactor {code} into smaller functions", "migrate the {area} module "
              "from callbacks to async/await", "build a small CLI that exports {area} data"),
    "test": ("write unit tests for {code}", "add integration tests covering the {area} flow", "review {code} for "
             "security issues", "increase test coverage of {code} to 90%", "add tests for the {area} "
             "regression we fixed"),
    "orchestrate": ("set up a subagent with its own system prompt that triages new issues", "write an eval for "
                    "the {area} prompt template in prompts/triage.md", "create an agent workflow with subagents "
                    "that reviews every PR", "automate the release notes with a headless agent pipeline and an "
                    "eval"),
    "operate": ("deploy the {area} service to staging", "set up the GitHub Actions workflow for releases",
                "configure nginx to proxy /api to the backend", "upgrade the helm chart and roll it out",
                "install and configure Prometheus monitoring for the cluster", "rotate the database credentials "
                "in the staging environment"),
    "understand": ("explain how the {area} flow works", "walk me through {code}", "what does {code} do?",
                   "how is authentication wired in this repo?", "explain the architecture of this project"),
    "plan": ("plan how we should add {feature}; change nothing yet", "design an approach for splitting the "
             "{area} module", "propose a plan to migrate {area} to the new API, no code yet"),
    "analyze": ("analyze the csv in {data} and tell me which customers churned", "compute the weekly retention "
                "from {data}", "what drives the latency spikes in {data}? plot it", "analyze {data} and find "
                "the top 10 products by revenue"),
    "write": ("write the README for this project", "draft the release notes for v2.3", "write a design doc for "
              "{feature}", "update the API docs in docs/api.md", "make slides summarizing the Q3 {area} work"),
}  # fmt: skip
# one task per mode in ru, pt, zh, es, de, fr (real sessions use these languages)
TASKS_I18N: dict[str, tuple[str, ...]] = {
    "fix": ("исправь ошибку в {code}", "corrige o bug no {code}", "修复 {code} 里的 bug", "arregla el error en "
            "{code}", "behebe den Fehler in {code}", "corrige le bug dans {code}"),
    "build": ("добавь {feature} в {code}", "implementa {feature} no {code}", "在 {code} 里实现新功能",
              "implementa {feature} en {code}", "implementiere {feature} in {code}", "ajoute {feature} dans "
              "{code}"),
    "test": ("напиши тесты для {code}", "escreve testes para {code}", "为 {code} 写单元测试", "escribe tests para "
             "{code}", "schreibe Tests für {code}", "écris des tests pour {code}"),
    "orchestrate": ("настрой агента для разбора задач", "cria um agente para triagem", "搭建一个分诊子代理",
                    "crea un agente para clasificar issues", "richte einen Agenten für die Triage ein",
                    "crée un agent de tri des tickets"),
    "operate": ("задеплой сервис на staging", "faz o deploy no staging", "把服务部署到 staging", "despliega el "
                "servicio en staging", "deploye den Dienst auf Staging", "déploie le service en staging"),
    "understand": ("объясни, как работает {code}", "explica como funciona {code}", "解释一下 {code} 是怎么工作的",
                   "explica cómo funciona {code}", "erkläre, wie {code} funktioniert", "explique comment "
                   "fonctionne {code}"),
    "plan": ("составь план миграции, код пока не меняй", "faz um plano para a migração", "先设计一个迁移方案",
             "propón un plan para la migración", "entwirf einen Plan für die Migration", "propose un plan de "
             "migration"),
    "analyze": ("проанализируй {data}", "analisa o csv {data}", "分析一下 {data}", "analiza el csv {data}",
                "analysiere {data}", "analyse le csv {data}"),
    "write": ("напиши README для проекта", "escreve o README do projeto", "写项目的 README", "escribe el README "
              "del proyecto", "schreibe die README", "écris le README du projet"),
}  # fmt: skip
LANGS = ("ru", "pt", "zh", "es", "de", "fr")
# mid-session follow-ups steer the work; they neither affirm the result nor push back
FOLLOW_UPS = ("ok, now also handle the empty case", "continue with the next step", "can you also update {file}?",
              "what about {area}?", "run it again and show me the output", "next, clean up the imports",
              "also add a short comment explaining why", "and the same for {file} please", "keep going",
              "yes, go with the second option")  # fmt: skip
FOLLOW_UPS_I18N = ("продолжай", "ok, continua", "继续", "sigue, por favor", "weiter so", "continue, merci")
CORRECTIONS = ("no, keep the old function signature", "you broke the {area} flow, revert that change",
               "wait, don't touch the migrations", "that's not what I asked for, I wanted {feature}",
               "stop, this is going in the wrong direction", "why did you delete the tests?",
               "undo the last edit, it was fine before")  # fmt: skip
CORRECTIONS_I18N = ("нет, не так, верни как было", "não, volta como estava", "不对，恢复原来的代码",
                    "eso no, vuelve atrás", "nein, das ist falsch", "non, ce n'est pas ça")  # fmt: skip
# sessions without a goal: a greeting, an idle question, looking around with no task, an automated
# probe, or a start the person abandons before the agent answers
NO_GOAL: dict[str, tuple[str, ...]] = {
    "greet": ("hi", "hello", "hey there", "hi claude", "good morning"),
    "idle": ("what can you do?", "are you there?", "who are you?", "what model are you?", "ok"),
    "explore": ("hmm, let me look around this repo", "show me something cool", "just looking around",
                "what's in this folder?"),
    "probe": ("ping", "test", "just checking this works", "reply with OK"),
    "aborted": ("hi", "hey", "test", "hmm"),
}  # fmt: skip
AFFIRM = ("perfect, thanks!", "works now, great job", "looks good, merging it", "that's exactly it, thank you")
COMPLAINT = ("this still fails, I give up for now", "it's worse than before", "useless, I'll do it myself",
             "the output is wrong and the tests are red")  # fmt: skip
INTERRUPT = "[Request interrupted by user]"
GIVE_UP = "I couldn't get the {area} part working after several attempts, so I've left it out for now."
GIVE_UP_ALL = "I couldn't find what breaks {area} after several attempts; I'm stopping here without a working fix."
# partial success in the person's words (last prompt) or the agent's closing report
SETTLE = ("ok, {area} is done. {feature} can wait, we'll pick it up another time; just wrap up what works",
          "the {area} part is fine now. skip {feature} for this session, good enough",
          "good enough for today: {area} works, {feature} is left for later")  # fmt: skip
INCOMPLETE = ("The {area} part is done. {feature} is not done yet: it needs a decision on the data model, so I "
              "left a TODO.")
HEDGE = "This should work now, but I haven't been able to run it here."  # a faint success signal
# expertise in the wording of the first prompt (METHOD facet 2): set-up precision, verification
# asked for, who corrects whom. {task} is the mode's task prompt.
EXPERT = ("{task}. Context: `{id1}` in {code} calls `{id2}`; keep the public signature, no new "
          "dependencies. Note that {gotcha}. When done, run `{test_cmd}` and make sure lint and type checks pass")
# the same signals for work that changes nothing: where to start, a pitfall, how to check the answer
EXPERT_READ = ("{task}. Start from `{id1}` in {code}, which calls `{id2}`. Note that {gotcha}. Cite file and line "
               "for every claim and make sure each one matches the code")
ADVANCED_READ = ("{task}; start from `{id1}` in {code} and `{id2}`. Cite file and line for each claim and "
                 "verify them against the code")
ADVANCED = ("{task}; the entry point is `{id1}` in {code} and the settings live in `{id2}`. Keep the change "
            "small and focused. Run the tests afterwards and confirm the rest still passes")
BEGINNER = ("i'm new to this project, can you {task}? not sure where to start", "i'm new to this, {task} please")
NOVICE = ("i don't know much about code. {task}? will it work after that?",
          "i don't know how this works, {task} for me. does it work then?")  # fmt: skip
GOTCHAS = ("the cache is keyed per tenant, not per user", "timestamps in the db are naive UTC",
           "the retry wrapper hides the original cause", "the old client still sends the v1 payload")
IDENTS = ("parse_request", "load_settings", "SessionStore", "retry_policy", "token_ttl", "TokenCache",
          "handle_webhook", "RateLimiter", "page_size", "validate_payload")  # fmt: skip
VERIFY_I18N = ("Проверь, что всё работает.", "Certifique-se de que funciona.", "完成后验证一下。",
               "Verifica que funcione.", "Verifiziere das Ergebnis.", "Confirme que ça marche.")  # fmt: skip
NOVICE_I18N = ("как сделать это? ", "como faço isso? ", "不会弄：", "cómo hago esto? ", "wie mache ich das? ",
               "comment faire ça ? ")  # fmt: skip

# -- assistant text: a short excerpt; the event's `words` carries the full count -------------------
SAYS: dict[str, tuple[str, ...]] = {
    "fix": ("Let me reproduce the failure first.", "Found it: the handler assumes the list is never empty.",
            "The root cause is a missing null check; I've fixed it and added a guard."),
    "build": ("I'll start by reading the existing module structure.", "I've implemented the feature and wired "
              "it into the router.", "Here is a summary of the new code and how to use it."),
    "test": ("I'll look at the public functions to decide what to cover.", "I've added tests for the edge "
             "cases: empty input, unicode and timeouts.", "Coverage of the module is now much higher."),
    "orchestrate": ("I'll define the subagent's role and tools.", "The pipeline now fans out to three agents "
                    "and merges their reviews.", "I added an eval with twelve cases."),
    "operate": ("Let me check the current deployment state.", "The rollout completed and the pods are "
                "healthy.", "I updated the configuration and restarted the service."),
    "understand": ("Let me read the entry point first.", "The request flows through the middleware, then the "
                   "service layer, then the repository.", "In short, the module caches tokens per user."),
    "plan": ("I'll survey the code before proposing anything.", "Here is the plan, in four steps, with the "
             "risks of each.", "I recommend the second approach; it keeps the public API stable."),
    "analyze": ("Let me load the data and look at the columns.", "Churn is concentrated in the monthly plan "
                "after the price change.", "Here are the key findings with the numbers behind them."),
    "write": ("I'll read the code to get the facts right.", "I drafted the document with an overview, usage "
              "and a FAQ.", "The release notes group the changes by area."),
}  # fmt: skip
_FILL = "This keeps the change small and easy to review, and the behaviour stays the same for existing callers"
FILLER = (_FILL + " while the new path is covered by the checks described above.").split(" ")

CODE_LINES: dict[str, tuple[str, ...]] = {
    "python": ("def handle(request):", "    payload = request.json()", "    if not payload:",
               "        return None", "    result = service.process(payload)", "    logger.info('done %s', result)",
               "    return result", "", "class Config:", "    timeout: float = 30.0"),
    "ts": ("export function handle(req: Request) {", "  const body = await req.json();", "  if (!body) return null;",
           "  const result = await service.process(body);", "  log.info('done', result);", "  return result;", "}",
           "", "export const TIMEOUT = 30_000;", "type Options = { retries: number };"),
    "go": ("func Handle(r *http.Request) error {", "\tvar body Payload", "\tif err := decode(r, &body); err != nil {",
           "\t\treturn err", "\t}", "\treturn svc.Process(r.Context(), body)", "}", "",
           "const timeout = 30 * time.Second", "type Options struct{ Retries int }"),
    "docs": ("# Overview", "", "This service exposes a small HTTP API.", "## Usage", "", "```bash",
             "make run", "```", "- retries are automatic", "- see docs/api.md for endpoints"),
}  # fmt: skip
