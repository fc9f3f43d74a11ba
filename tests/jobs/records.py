"""Distinct generated records in the seed format, for imports large enough to interrupt."""

from __future__ import annotations

COMPANIES = ["百度", "阿里巴巴", "腾讯", "智谱AI", "字节跳动", "科大讯飞", "商汤科技", "月之暗面"]
EVENTS = ["发布新一代大模型", "完成新一轮融资", "开源多模态模型", "推出企业级智能体平台"]


def record(n: int) -> str:
    company = COMPANIES[n % len(COMPANIES)]
    event = EVENTS[n % len(EVENTS)]
    day = 1 + n % 28
    return (
        f"标题: {company}{event}（第{n}号）\n"
        f"链接: https://example.com/jobs/{n}\n"
        f"总结: 2024年3月{day}日，{company}宣布{event}。这是测试语料中的第{n}篇文章，"
        f"内容涉及人工智能、大语言模型以及行业应用，分析人士认为此举将加剧市场竞争。\n"
        f"关键词: {company}, 测试{n % 97}, 大模型\n"
        f"AI技术: 大语言模型, 多模态\n"
        f"行业: 金融、教育\n"
        f"重大事件摘要: 2024年3月{day}日，{company}{event}。\n"
    )


def records_text(count: int) -> str:
    return "".join(record(n) for n in range(count))
