from .article import Article, ArticleQuerySet
from .bigrams import ArticleBigrams
from .companies import ArticleCompany, Company, CompanyName, DictionaryVersion
from .curation import MergeRecord, SlugKind, SlugRedirect, TagAlias
from .events import Event, EventType
from .facets import ArticleFacetRow, DataVersion, FacetCount
from .imports import ImportBatch
from .jobs import Job, JobAttempt, WorkerHeartbeat
from .tags import (
    ArticleIndustry,
    ArticleKeyword,
    ArticleTechnology,
    Industry,
    Keyword,
    Technology,
)

__all__ = [
    "Article",
    "ArticleBigrams",
    "ArticleCompany",
    "ArticleFacetRow",
    "ArticleIndustry",
    "ArticleKeyword",
    "ArticleQuerySet",
    "ArticleTechnology",
    "Company",
    "DataVersion",
    "CompanyName",
    "DictionaryVersion",
    "Event",
    "EventType",
    "FacetCount",
    "ImportBatch",
    "Industry",
    "Job",
    "JobAttempt",
    "Keyword",
    "MergeRecord",
    "SlugKind",
    "SlugRedirect",
    "TagAlias",
    "Technology",
    "WorkerHeartbeat",
]
