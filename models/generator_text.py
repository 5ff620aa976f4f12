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

DEPLOY_CMDS = ("kubectl apply -f deploy/k8s/", "helm upgrade --install api deploy/helm -n staging",
               "terraform plan -out plan.tfplan", "terraform apply plan.tfplan", "docker compose up -d",
               "docker build -t registry.local/api:1.4.2 .", "kubectl rollout status deploy/api -n staging",
               "gh workflow run release.yml", "systemctl restart nginx", "kubectl logs deploy/api --tail=50",
               "aws s3 sync dist/ s3://static-site-prod", "fly deploy --app status-page")  # fmt: skip
DATA_CMDS = ("python analysis/churn.py", "duckdb -c \"select count(*) from 'data/orders.csv'\"",
             "head -5 data/customers.csv", "python -c \"import pandas as pd; print(pd.read_csv('data/orders.csv')"
             ".describe())\"", "jq '.[0]' data/signups.jsonl", "wc -l data/orders.csv")  # fmt: skip
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
             "security issues", "increase test coverage of {code} to 90%", "write a regression test for the "
             "{area} bug we fixed"),
    "orchestrate": ("set up a subagent that triages new issues", "write an eval for the {area} prompt in "
                    "prompts/triage.md", "create an agent workflow that reviews every PR", "automate the "
                    "release notes with a headless agent pipeline"),
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
FOLLOW_UPS = ("ok, now also handle the empty case", "looks good so far, continue", "can you also update {file}?",
              "what about {area}?", "run it again and show me the output", "great. next, clean up the "
              "imports", "also add a short comment explaining why", "and the same for {file} please",
              "keep going", "yes, go with the second option")  # fmt: skip
FOLLOW_UPS_I18N = ("продолжай", "ok, continua", "继续", "sigue, por favor", "weiter so", "continue, merci")
CORRECTIONS = ("no, keep the old function signature", "you broke the {area} flow, revert that change",
               "wait, don't touch the migrations", "that's not what I asked for, I wanted {feature}",
               "stop, this is going in the wrong direction", "why did you delete the tests?",
               "undo the last edit, it was fine before")  # fmt: skip
CORRECTIONS_I18N = ("нет, не так, верни как было", "não, volta como estava", "不对，恢复原来的代码",
                    "eso no, vuelve atrás", "nein, das ist falsch", "non, ce n'est pas ça")  # fmt: skip
NO_GOAL = ("hi", "what can you do?", "hmm, let me look around this repo", "ok", "show me something cool",
           "are you there?", "just checking this works")  # fmt: skip
AFFIRM = ("perfect, thanks!", "works now, great job", "looks good, merging it", "that's exactly it, thank you")
COMPLAINT = ("this still fails, I give up for now", "it's worse than before", "useless, I'll do it myself",
             "the output is wrong and the tests are red")  # fmt: skip
INTERRUPT = "[Request interrupted by user]"
GIVE_UP = "I couldn't get the {area} part working after several attempts, so I've left it out for now."

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
