"""Vocabulary of user prompts, in the languages seen in real sessions (en, ru, pt, zh, es, de, fr).

Patterns are stems rather than whole words so that inflected Russian and Portuguese forms match
("исправь", "исправить", "исправление"). Chinese has no word boundaries, so its terms are matched
as plain substrings. Everything here is a cheap regex pass over at most a few kilobytes of text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from models.prefilter import SCAN, prefilter

# A prompt that pushes back on what the agent did. Anchored near the start or explicit, so that
# "no errors please" in a task description is not read as a correction.
_CORRECTION = re.compile(
    r"^\s*(no[,.! ]|nope\b|stop\b|wait\b|don'?t\b|do not\b|wrong\b|that'?s (not|wrong)|not what i|undo\b|revert\b"
    r"|нет[,.! ]|не так|стоп\b|неправильно|не то\b|não[,.! ]|errado|pare\b|espera\b|不对|不是|错了|停|别"
    r"|nein\b|falsch|non[,.! ]|pas ça|incorrecto|eso no)"
    r"|\b(you (broke|deleted|removed|ignored|forgot|didn'?t)|that (broke|is wrong|didn'?t work)"
    r"|still (broken|failing|not working|there|the same|doesn'?t)|are still there|i said|i told you|why did you"
    r"|why is the agent|revert (that|this|it)|this is wrong|doesn'?t work|not working|ты (сломал|удалил|забыл)"
    r"|всё ещё|все еще|до сих пор|ainda (não|está|com)|você (quebrou|apagou|esqueceu)|还是不行|仍然|又错)",
    re.IGNORECASE,
)

_AFFIRM = re.compile(
    r"^\s*(thanks?\b|thank you|thx\b|great\b|perfect\b|awesome\b|nice\b|excellent\b|looks good|lgtm\b|works\b"
    r"|it works|that works|good job|well done|спасибо|отлично|супер|работает|класс|obrigad|perfeito|ótimo"
    r"|funcionou|valeu|谢谢|感谢|完美|好的|可以了|成功了|gracias|danke|merci)",
    re.IGNORECASE,
)
_COMPLAINT = re.compile(
    r"\b(still (broken|failing|not working|doesn'?t work)|doesn'?t work|not working|didn'?t work|makes no sense"
    r"|this is (bad|terrible|useless|garbage)|you keep|waste of time|give up|не работает|не помогло|бесполезн"
    r"|não funciona|não funcionou|continua (quebrado|com erro))\b|还是不行|不起作用|没用",
    re.IGNORECASE,
)

# Intent vocabulary per work mode, lower-case. Stems: they match inside longer words on purpose.
INTENTS: dict[str, re.Pattern[str]] = {
    "fix": re.compile(
        r"\b(fix|bug|broken|breaks|crash|error|exception|traceback|fail|failing|failed|failure|regression"
        r"|doesn'?t (seem to )?(work|start|run|load|compile)|not (working|starting|loading)|stuck|hang|warning"
        r"|issue with|wrong output|investigate why|debug)"
        r"|\b(исправ|почин|ошибк|баг|сломал|падает|не работает|не запуска|вылета|corrig|consert|erro|falh|quebr"
        r"|não funciona|travad)|修复|错误|报错|崩溃|失败|不工作|故障|异常|bug",
    ),
    "build": re.compile(
        r"\b(implement|add|create|build|new feature|feature|scaffold|refactor|migrat|rewrite|port\b|introduce"
        r"|support for|extend|integrat|make (a|an)\b|generate|set up a new|remove|rename|replace)"
        r"|\b(реализ|добав|созда|напиши|сделай|рефактор|перепиш|implement|adicion|cri[ae]|constru|refator"
        r"|escrev[ae] (um|uma) (função|classe|componente))|实现|添加|创建|新增|开发|重构|编写",
    ),
    "test": re.compile(
        r"\b(write tests?|add tests?|unit tests?|test coverage|coverage|e2e|qa\b|review (the|this|my|pr)|code review"
        r"|audit|security (review|audit)|pentest|vulnerab)"
        r"|\b(тест|ревью|провер(ь|ка) код|аудит|testes?\b|revis[ae] (o|do) código|auditori)"
        r"|测试|单元测试|审查|代码审查",
    ),
    "orchestrate": re.compile(
        r"\b(subagents?|sub-agents?|spawn (a )?(worker|agent)|agent workflow|multi-agent|orchestrat|system prompt"
        r"|prompt template|evals?\b|evaluation suite|graders?|llm-as-judge|hooks?\b|slash command|skills?\b"
        r"|automat|pipeline of agents|mcp server)"
        r"|\b(агент|промпт|автоматиз|agentes?\b|automa[tç])|智能体|提示词|代理|自动化",
    ),
    "operate": re.compile(
        r"\b(deploy|release|publish|ci\b|ci/cd|github actions?|workflow run|pipeline|docker|kubernetes|k8s|helm"
        r"|terraform|server|nginx|install|configure|config|environment|env var|secrets?|credentials|push\b|merge"
        r"|pull request|\bpr\b|branch|rebase|checkout|upgrade|monitor|logs?\b|restart|start (the )?\w+ (in|on)"
        r"|background|cron|dns|ssl|certificate|permissions?)"
        r"|\b(разверн|деплой|настро|установ|сервер|запуст|окружени|implant|configur|instal|servidor|publicar)"
        r"|部署|配置|安装|服务器|发布|环境|运维",
    ),
    "understand": re.compile(
        r"\b(explain|how does|how do|what does|what is|what are|why (is|does|do)|walk me through|understand"
        r"|overview|where is|where are|which file|tell me about|am i interpret|is there any|was there any|question)"
        r"|\b(объясн|как работает|что такое|почему|расскаж|explique|explica|como funciona|o que é|por que|entend)"
        r"|解释|怎么|为什么|是什么|如何工作|介绍一下|理解",
    ),
    "plan": re.compile(
        r"\b(plan|planning|design|approach|architecture|roadmap|brainstorm|strateg|proposal|rfc\b|trade-?offs?"
        r"|options|should we|how should|milestone|phase|todo\b|backlog|spec\b|discuss|beads?\b)"
        r"|\b(план|спланир|проектир|архитектур|подход|стратег|planej|projet|arquitetur|estratég|abordagem)"
        r"|计划|规划|设计|方案|架构|路线图",
    ),
    "analyze": re.compile(
        r"\b(analy[sz]|dataset|data set|csv|statistic|chart|plot|graph|visuali[sz]|dashboard|metrics?|trend"
        r"|correlat|regression model|forecast|notebook|pandas|sql query|report on|insight|survey)"
        r"|\b(анализ|данны|статистик|график|análise|analis|dados|estatístic|gráfico|planilha)"
        r"|分析|数据|统计|图表|可视化|报表",
    ),
    "write": re.compile(
        r"\b(document|docs?\b|readme|changelog|claude\.md|agents\.md|write[- ]?up|blog|article|essay|report\b"
        r"|presentation|slides?\b|deck\b|memo|proposal doc|release notes|translate|proofread|wording|copy\b)"
        r"|\b(документ|статья|статью|презентац|отчёт|отчет|текст|documenta|artigo|relatório|apresenta|slides)"
        r"|文档|文章|报告|演示|幻灯片|说明书|翻译|ドキュメント|を最新",
    ),
}

_VERIFY = re.compile(
    r"\b(run (the )?tests?|make sure|ensure|verify|validate|check (that|if|whether)|confirm|lint|typecheck"
    r"|type-check|ci (is )?green|all tests pass|regression tests?|benchmark|reproduce|edge cases?"
    r"|did you (push|commit|run|test|check)|has the \w+ landed|ci (failed|is red))"
    r"|\b(провер|убедись|тесты|verifi|garant|certifique|confirm|rode os testes)|验证|确认|测试|检查",
    re.IGNORECASE,
)
_QUESTION = re.compile(
    r"\?\s*$|？|^\s*(how|what|why|where|which|is|are|can|does|do|could|should|was)\b", re.IGNORECASE
)
# A path or a file name. Two patterns rather than one alternation: a directory needs a "/", so most
# prompts skip the first one, which backtracks through every word.
_PATH_DIR = re.compile(r"[\w.-]+/[\w./-]+")
_PATH_FILE = re.compile(r"\b[\w-]+\.(py|ts|tsx|js|go|rs|ex|exs|md|json|ya?ml|toml|sql|java|rb|css)\b")
_IDENT = re.compile(
    r"`[^`\n]{2,80}`|\b[a-z]+_[a-z_]+\b|\b[a-z]+[A-Z]\w+\b|\b[A-Z][a-z]+[A-Z]\w+\b|#\d+|--[a-z-]{3,}"
)
_HUMP = re.compile(r"[a-z][A-Z]")  # camelCase: what the two middle alternatives of _IDENT need
_URL = re.compile(r"https?://\S+")
_WRAPPER = re.compile(
    r"<(command-name|command-message|local-command-stdout|local-command-stderr)>.*?</\1>", re.DOTALL
)
_TAG = re.compile(r"</?[a-z][\w-]*>")
_NOT_A_PROMPT = (
    "<task-notification>",
    "this session is being continued",
    "<local-command-",
    "caveat: the messages",
)


# A prompt that sets no task: a greeting, an idle or capability question, looking around, a probe.
# Whole-prompt matches only, so "hi, fix the login bug" is a task.
_GOALLESS = re.compile(
    r"^\W*(hi|hello|hey|hey there|yo|good (morning|afternoon|evening)|ok|okay|hmm+|test|testing|ping|hi claude"
    r"|are you there|who are you|what can you do|what model are you|what('?s| is) in this (folder|repo|directory)"
    r"|(hmm,? )?(let me |i'?m )?(just )?look(ing)? around( this repo)?|show me something (cool|interesting)"
    r"|just checking( (this|it) works)?|reply with ok|привет|здравствуй|olá|oi|你好|您好|hola|hallo|salut)\W*$",
    re.IGNORECASE,
)
# The person settles for part of the task ("good enough", "X can wait", "skip X for now").
_SETTLE = re.compile(
    r"\b(good enough|can wait|(skip|leave|drop) [\w ]{1,40} (for (now|later|this session|today)|out)"
    r"|(is|are) left for later|pick (it|that|this) up (later|another time)|we'?ll do (it|that|the rest) later)",
    re.IGNORECASE,
)
# Asking only whether it works, without saying how to check: the verification a novice asks for.
_NAIVE_CHECK = re.compile(
    r"\b(will|does|did|would) (it|this|that) work( now| then| after that)?\s*\?|\bis (it|this|that) (fixed|working"
    r"|right|correct|ok) (now|then)\s*\?|how (do|can) i (know|tell|check) if",
    re.IGNORECASE,
)
# The person corrects the agent in advance: states the pitfall or the cause the agent would miss.
_TEACHES = re.compile(
    r"\b(note that|keep in mind|careful[:,]|beware|watch out for|the (root )?cause is|the catch is|gotcha)",
    re.IGNORECASE,
)


# Every vocabulary the classifier reads a prompt with, prefiltered together: a prompt's words are
# looked up once. Corrections have their own, as the sessionizer reads each new prompt for them alone.
_PROMPT_TERMS = (*INTENTS.values(), _COMPLAINT, _VERIFY, _QUESTION, _SETTLE, _NAIVE_CHECK, _TEACHES)
_PROMPT_PRE = prefilter(*_PROMPT_TERMS)
_COMPLAINT_I, _VERIFY_I, _QUESTION_I, _SETTLE_I, _NAIVE_CHECK_I, _TEACHES_I = range(len(INTENTS), len(_PROMPT_TERMS))
_CORRECTION_PRE = prefilter(_CORRECTION)


@lru_cache(maxsize=256)  # several helpers read each prompt of a session
def _may_hold(head: str) -> frozenset[int] | None:
    """The indexes into _PROMPT_TERMS of the vocabularies that may match a text, given its first SCAN
    characters; None: any may. Frozen, as the cache hands the same answer to every caller."""
    found = _PROMPT_PRE.possible(head)
    return None if found is None else frozenset(found)


def _may_match(index: int, text: str) -> bool:
    found = _may_hold(text[:SCAN])
    return found is None or index in found


def is_goalless(text: str) -> bool:
    return _GOALLESS.match(text[:200]) is not None


def settles(text: str) -> bool:
    return _may_match(_SETTLE_I, text) and _SETTLE.search(text[:600]) is not None


def asks_naive_check(text: str) -> bool:
    return _may_match(_NAIVE_CHECK_I, text) and _NAIVE_CHECK.search(text[:2000]) is not None


def teaches(text: str) -> bool:
    return _may_match(_TEACHES_I, text) and _TEACHES.search(text[:4000]) is not None


def is_correction(text: str) -> bool:
    """Whether a prompt corrects, rejects or pushes back on the agent."""
    head = text[:400]
    return bool(head) and not _CORRECTION_PRE.rules_out(head) and _CORRECTION.search(head) is not None


def is_affirmation(text: str) -> bool:
    return bool(text) and _AFFIRM.search(text[:200]) is not None


def is_complaint(text: str) -> bool:
    return bool(text) and _may_match(_COMPLAINT_I, text) and _COMPLAINT.search(text[:600]) is not None


def clean_prompt(text: str) -> str:
    """The words the person typed: slash-command wrappers dropped (their arguments kept), and
    system-injected text (task notifications, compaction summaries, command output) emptied."""
    head = text.lstrip()[:200].lower()
    if head.startswith(_NOT_A_PROMPT) or head.startswith("[request interrupted"):
        return ""
    if "<command-" in text or "<bash-" in text:
        if "<bash-stdout>" in text or "<bash-stderr>" in text:
            return ""
        text = _WRAPPER.sub(" ", text)
    return _TAG.sub(" ", text).strip()


def intents(text: str) -> dict[str, int]:
    """How many terms of each work mode's vocabulary the text holds (case-insensitive)."""
    sample = text[:2000].lower()  # the patterns are lower-case: cheaper than matching case-insensitively
    found = _may_hold(text[:SCAN])
    return {mode: len(pattern.findall(sample)) if found is None or i in found else 0
            for i, (mode, pattern) in enumerate(INTENTS.items())}  # fmt: skip


def asks_verification(text: str) -> bool:
    return _may_match(_VERIFY_I, text) and _VERIFY.search(text[:4000]) is not None


def is_question(text: str) -> bool:
    return _may_match(_QUESTION_I, text) and _QUESTION.search(text[:400].strip()) is not None


def precision(text: str) -> int:
    """0-4: how precisely a prompt sets up a task (named files, identifiers, links, constraints)."""
    sample = text[:4000]
    score = 0
    score += ("/" in sample and _PATH_DIR.search(sample) is not None) or _PATH_FILE.search(sample) is not None
    score += _may_name_identifiers(sample) and len(_IDENT.findall(sample)) >= 2
    score += bool(_URL.search(sample))
    score += len(sample.split()) >= 40 or len(sample) >= 160
    return score


def _may_name_identifiers(text: str) -> bool:
    """False only if _IDENT cannot match: each of its alternatives needs a backtick, an underscore, a
    camelCase hump, a # or a --, and most prompts have none of them."""
    return "`" in text or "_" in text or "#" in text or "--" in text or _HUMP.search(text) is not None
