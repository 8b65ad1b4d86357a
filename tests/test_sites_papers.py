"""Paper hosts: each rule with the URL shapes researchers cite (abstract, PDF, HTML, versions,
trailing slashes, query strings), stated by hand, and the hosts a paper list mixes."""

from __future__ import annotations

import pytest

from paperindex.identity import identify
from paperindex.model import Kind
from paperindex.sites import key_of, site_for

H = "ae9500c4f5607caf2eff033c67daa9d7"
SHA = "649def34f8be52c8b66281af98ae884c09aef38b"
NEURIPS = f"https://proceedings.neurips.cc/paper_files/paper/2023/hash/{H}-Abstract-Conference.html"
NEURIPS_DB = (
    f"https://proceedings.neurips.cc/paper_files/paper/2023/hash/{H}"
    "-Abstract-Datasets_and_Benchmarks.html"
)
NIPS20 = (
    "https://proceedings.neurips.cc/paper/2020/hash/1457c0d6bfcb4967418bfb8ac142f64a-Abstract.html"
)
CVF = "content/CVPR2023/Brooks_InstructPix2Pix_Learning_To_Follow_Image_Editing_Instructions_CVPR_2023"

# (source, id, canonical URL) and every URL form that must give it
RULES: list[tuple[tuple[str, str, str], list[str]]] = [
    (
        ("semanticscholar", SHA, f"https://www.semanticscholar.org/paper/{SHA}"),
        [
            f"https://www.semanticscholar.org/paper/Construction-of-the-Literature-Graph/{SHA}",
            f"https://www.semanticscholar.org/paper/{SHA}",
            f"https://semanticscholar.org/paper/Some-Title-Here/{SHA}?utm_source=alert",
            f"https://www.semanticscholar.org/paper/{SHA.upper()}/",
            f"https://www.semanticscholar.org/reader/{SHA}",
            f"https://pdfs.semanticscholar.org/{SHA[:4]}/{SHA[4:]}.pdf",
            f"https://api.semanticscholar.org/graph/v1/paper/{SHA}",
        ],
    ),
    (
        ("semanticscholar", "CorpusId:215416146",
         "https://api.semanticscholar.org/CorpusID:215416146"),
        [
            "https://api.semanticscholar.org/CorpusID:215416146",
            "https://api.semanticscholar.org/CorpusId:215416146",
        ],
    ),
    (
        ("neurips", f"2023/{H}", NEURIPS),
        [
            NEURIPS,
            f"https://proceedings.neurips.cc/paper_files/paper/2023/file/{H}-Paper-Conference.pdf",
            f"https://papers.nips.cc/paper_files/paper/2023/hash/{H}-Abstract-Conference.html",
            f"https://proceedings.neurips.cc/paper_files/paper/2023/file/{H}-Supplemental-Conference.zip",
        ],
    ),
    (
        ("neurips", f"2023/{H}", NEURIPS_DB),
        [
            f"http://papers.nips.cc/paper_files/paper/2023/hash/{H}-Abstract-Datasets_and_Benchmarks.html",
            f"https://proceedings.neurips.cc/paper_files/paper/2023/file/{H}-Paper-Datasets_and_Benchmarks.pdf",
        ],
    ),
    (
        ("neurips", "2020/1457c0d6bfcb4967418bfb8ac142f64a", NIPS20),
        [
            NIPS20,
            "https://papers.nips.cc/paper/2020/file/1457c0d6bfcb4967418bfb8ac142f64a-Paper.pdf",
            "https://papers.nips.cc/paper/2020/hash/1457c0d6bfcb4967418bfb8ac142f64a-Abstract.html",
            "https://proceedings.neurips.cc/paper/2020/file/1457c0d6bfcb4967418bfb8ac142f64a-Supplemental.pdf",
        ],
    ),
    (
        ("neurips", "5423", "https://papers.nips.cc/paper/5423-generative-adversarial-nets"),
        [
            "https://papers.nips.cc/paper/5423-generative-adversarial-nets",
            "http://papers.nips.cc/paper/5423-generative-adversarial-nets.pdf",
        ],
    ),
    (
        ("pmlr", "v139/radford21a", "https://proceedings.mlr.press/v139/radford21a.html"),
        [
            "https://proceedings.mlr.press/v139/radford21a.html",
            "http://proceedings.mlr.press/v139/radford21a/radford21a.pdf",
            "https://proceedings.mlr.press/v139/radford21a/radford21a-supp.pdf",
        ],
    ),
    (
        ("pmlr", "v37/ioffe15", "https://proceedings.mlr.press/v37/ioffe15.html"),
        [
            "http://proceedings.mlr.press/v37/ioffe15.pdf",
            "http://jmlr.org/proceedings/papers/v37/ioffe15.html",
        ],
    ),
    (
        ("cvf", CVF, f"https://openaccess.thecvf.com/{CVF.rsplit('/', 1)[0]}/html/"
         f"{CVF.rsplit('/', 1)[1]}_paper.html"),
        [
            f"https://openaccess.thecvf.com/{CVF.rsplit('/', 1)[0]}/html/{CVF.rsplit('/', 1)[1]}_paper.html",
            f"https://openaccess.thecvf.com/{CVF.rsplit('/', 1)[0]}/papers/{CVF.rsplit('/', 1)[1]}_paper.pdf",
            f"http://openaccess.thecvf.com/{CVF.rsplit('/', 1)[0]}/supplemental/"
            f"{CVF.rsplit('/', 1)[1]}_supplemental.pdf",
        ],
    ),
    (
        ("cvf", "content_cvpr_2018/Zhang_The_Unreasonable_Effectiveness_CVPR_2018",
         "https://openaccess.thecvf.com/content_cvpr_2018/html/"
         "Zhang_The_Unreasonable_Effectiveness_CVPR_2018_paper.html"),
        [
            "http://openaccess.thecvf.com/content_cvpr_2018/papers/"
            "Zhang_The_Unreasonable_Effectiveness_CVPR_2018_paper.pdf",
        ],
    ),
    (
        ("jmlr", "v21/20-074", "https://jmlr.org/papers/v21/20-074.html"),
        [
            "https://jmlr.org/papers/v21/20-074.html",
            "http://www.jmlr.org/papers/volume21/20-074/20-074.pdf",
            "https://www.jmlr.org/papers/v21/20-074.html?utm_medium=email",
        ],
    ),
    (
        ("aaai", "AAAI/16980", "https://ojs.aaai.org/index.php/AAAI/article/view/16980"),
        [
            "https://ojs.aaai.org/index.php/AAAI/article/view/16980",
            "https://ojs.aaai.org/index.php/AAAI/article/view/16980/16787",
            "https://ojs.aaai.org/index.php/AAAI/article/download/16980/16787",
            "https://aaai.org/ojs/index.php/AAAI/article/view/16980",
        ],
    ),
    (
        ("aaai", "ocs/AAAI/AAAI17/14806",
         "https://aaai.org/ocs/index.php/AAAI/AAAI17/paper/view/14806"),
        ["https://www.aaai.org/ocs/index.php/AAAI/AAAI17/paper/view/14806/14311"],
    ),
    (
        ("doi", "10.24963/ijcai.2023/123", "https://doi.org/10.24963/ijcai.2023/123"),
        [
            "https://www.ijcai.org/proceedings/2023/0123.pdf",
            "https://www.ijcai.org/proceedings/2023/0123",
            "https://doi.org/10.24963/ijcai.2023/123",
        ],
    ),
    (
        ("ijcai", "2016/123", "https://www.ijcai.org/Proceedings/16/Papers/123.pdf"),
        ["https://www.ijcai.org/Proceedings/16/Papers/123.pdf", "https://www.ijcai.org/Abstract/16/123"],
    ),
    (
        ("doi", "10.1145/3580305.3599572", "https://doi.org/10.1145/3580305.3599572"),
        [
            "https://dl.acm.org/doi/10.1145/3580305.3599572",
            "https://dl.acm.org/doi/abs/10.1145/3580305.3599572",
            "https://dl.acm.org/doi/pdf/10.1145/3580305.3599572",
            "https://dl.acm.org/doi/fullHtml/10.1145/3580305.3599572",
            "https://doi.org/10.1145/3580305.3599572",
        ],
    ),
    (("acm", "2939785", "https://dl.acm.org/citation.cfm?id=2939785"),  # PROCEEDINGS.PAPER
     ["https://dl.acm.org/citation.cfm?id=2939785", "https://dl.acm.org/citation.cfm?id=2939672.2939785"]),
    (
        ("doi", "10.1007/s11263-015-0816-y", "https://doi.org/10.1007/s11263-015-0816-y"),
        [
            "https://link.springer.com/article/10.1007/s11263-015-0816-y",
            "https://link.springer.com/content/pdf/10.1007/s11263-015-0816-y.pdf",
        ],
    ),
    (
        ("doi", "10.1007/978-3-030-58452-8_13", "https://doi.org/10.1007/978-3-030-58452-8_13"),
        ["https://link.springer.com/chapter/10.1007/978-3-030-58452-8_13"],
    ),
    (
        ("doi", "10.1038/s41586-023-06291-2", "https://doi.org/10.1038/s41586-023-06291-2"),
        [
            "https://www.nature.com/articles/s41586-023-06291-2",
            "https://www.nature.com/articles/s41586-023-06291-2.pdf",
            "https://nature.com/articles/s41586-023-06291-2?utm_source=x",
        ],
    ),
    (("doi", "10.1038/nature14539", "https://doi.org/10.1038/nature14539"),
     ["https://www.nature.com/articles/nature14539",
      "https://www.nature.com/nature/journal/v521/n7553/full/nature14539.html"]),
    (
        ("doi", "10.1126/science.abq1158", "https://doi.org/10.1126/science.abq1158"),
        [
            "https://www.science.org/doi/10.1126/science.abq1158",
            "https://www.science.org/doi/abs/10.1126/science.abq1158",
            "https://www.science.org/doi/pdf/10.1126/science.abq1158",
        ],
    ),
    (("science", "362/6419/1140", "https://science.sciencemag.org/content/362/6419/1140"),
     ["https://science.sciencemag.org/content/362/6419/1140.full"]),
    (
        ("doi", "10.1002/anie.202300001", "https://doi.org/10.1002/anie.202300001"),
        [
            "https://onlinelibrary.wiley.com/doi/10.1002/anie.202300001",
            "https://onlinelibrary.wiley.com/doi/full/10.1002/anie.202300001",
            "https://onlinelibrary.wiley.com/doi/epdf/10.1002/anie.202300001",
            "https://chemistry-europe.onlinelibrary.wiley.com/doi/pdf/10.1002/anie.202300001",
        ],
    ),
    (
        ("ieee", "9157564", "https://ieeexplore.ieee.org/document/9157564"),
        [
            "https://ieeexplore.ieee.org/document/9157564",
            "https://ieeexplore.ieee.org/document/9157564/",
            "https://ieeexplore.ieee.org/abstract/document/9157564/",
            "https://ieeexplore.ieee.org/stamp/stamp.jsp?tp=&arnumber=9157564",
            "https://ieeexplore.ieee.org/stamp/stamp.jsp?arnumber=9157564&tag=1",
            "https://ieeexplore.ieee.org/xpls/abs_all.jsp?arnumber=9157564",
            "https://ieeexplore.ieee.org/ielx7/6287639/8948470/09157564.pdf",
        ],
    ),
    (
        ("sciencedirect", "S0893608019303739",
         "https://www.sciencedirect.com/science/article/pii/S0893608019303739"),
        [
            "https://www.sciencedirect.com/science/article/pii/S0893608019303739",
            "https://www.sciencedirect.com/science/article/abs/pii/S0893608019303739",
            "https://www.sciencedirect.com/science/article/pii/S0893608019303739/pdfft?md5=x",
            "https://linkinghub.elsevier.com/retrieve/pii/S0893608019303739",
        ],
    ),
    (
        ("sciencedirect", "S2589750023000833",
         "https://www.sciencedirect.com/science/article/pii/S2589750023000833"),
        [
            "https://www.thelancet.com/journals/landig/article/PIIS2589-7500(23)00083-3/fulltext",
            "https://www.sciencedirect.com/science/article/pii/S2589750023000833",
        ],
    ),
    (
        ("doi", "10.1101/2023.01.02.522345", "https://doi.org/10.1101/2023.01.02.522345"),
        [
            "https://www.biorxiv.org/content/10.1101/2023.01.02.522345v2",
            "https://www.biorxiv.org/content/10.1101/2023.01.02.522345v1.full",
            "https://www.biorxiv.org/content/10.1101/2023.01.02.522345v3.full.pdf",
            "https://www.biorxiv.org/content/10.1101/2023.01.02.522345.abstract",
            "https://www.medrxiv.org/content/10.1101/2023.01.02.522345v1.full-text",
            "https://doi.org/10.1101/2023.01.02.522345",
        ],
    ),
    (("doi", "10.1101/123456", "https://doi.org/10.1101/123456"),
     ["https://www.biorxiv.org/content/biorxiv/early/2017/04/03/123456.full.pdf"]),
    (("pubmed", "37506330", "https://pubmed.ncbi.nlm.nih.gov/37506330/"),
     ["https://pubmed.ncbi.nlm.nih.gov/37506330/", "https://pubmed.ncbi.nlm.nih.gov/37506330",
      "https://www.ncbi.nlm.nih.gov/pubmed/37506330", "https://europepmc.org/article/MED/37506330"]),
    (("pmc", "PMC10020064", "https://pmc.ncbi.nlm.nih.gov/articles/PMC10020064/"),
     ["https://www.ncbi.nlm.nih.gov/pmc/articles/PMC10020064/",
      "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC10020064/pdf/main.pdf",
      "https://pmc.ncbi.nlm.nih.gov/articles/PMC10020064",
      "https://europepmc.org/article/PMC/PMC10020064"]),
    (("doi", "10.2139/ssrn.4389233", "https://doi.org/10.2139/ssrn.4389233"),
     ["https://papers.ssrn.com/sol3/papers.cfm?abstract_id=4389233",
      "https://ssrn.com/abstract=4389233",
      "https://papers.ssrn.com/sol3/Delivery.cfm/SSRN_ID4389233_code123.pdf?abstractid=4389233&mirid=1"]),
    (("paperswithcode", "attention-is-all-you-need",
      "https://paperswithcode.com/paper/attention-is-all-you-need"),
     ["https://paperswithcode.com/paper/attention-is-all-you-need",
      "https://paperswithcode.com/paper/attention-is-all-you-need/review/"]),
    (("doi", "10.1093/database/baw068", "https://doi.org/10.1093/database/baw068"),
     ["https://academic.oup.com/database/article/doi/10.1093/database/baw068/2630414?login=true"]),
    (("oup", "bioinformatics/36/4/1234/5566506",
      "https://academic.oup.com/bioinformatics/article/36/4/1234/5566506"),
     ["https://academic.oup.com/bioinformatics/article-abstract/36/4/1234/5566506",
      "https://academic.oup.com/bioinformatics/article/36/4/1234/5566506"]),
    (("mdpi", "2076-3417/13/17/9879", "https://www.mdpi.com/2076-3417/13/17/9879"),
     ["https://www.mdpi.com/2076-3417/13/17/9879", "https://www.mdpi.com/2076-3417/13/17/9879/pdf"]),
    (("jama", "jama/2808296", "https://jamanetwork.com/journals/jama/fullarticle/2808296"),
     ["https://jamanetwork.com/journals/jama/article-abstract/2808296",
      "https://jamanetwork.com/journals/jama/fullarticle/2808296"]),
    (("doi", "10.2196/48291", "https://doi.org/10.2196/48291"),
     ["https://mededu.jmir.org/2023/1/e48291/", "https://mededu.jmir.org/2023/1/e48291"]),
    (("doi", "10.1056/aioa2300068", "https://doi.org/10.1056/aioa2300068"),
     ["https://ai.nejm.org/doi/full/10.1056/AIoa2300068"]),
    (("doi", "10.1371/journal.pone.0123456", "https://doi.org/10.1371/journal.pone.0123456"),
     ["https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0123456"]),
    (("doi", "10.3389/fnins.2020.00001", "https://doi.org/10.3389/fnins.2020.00001"),
     ["https://www.frontiersin.org/articles/10.3389/fnins.2020.00001/full"]),
    (("arxiv", "2305.11747", "https://arxiv.org/abs/2305.11747"),
     ["https://ui.adsabs.harvard.edu/abs/2023arXiv230511747L/abstract",
      "https://doi.org/10.48550/arXiv.2305.11747", "doi:10.48550/arXiv.2305.11747"]),
    (("ads", "2023Natur.613..620S", "https://ui.adsabs.harvard.edu/abs/2023Natur.613..620S/abstract"),
     ["https://ui.adsabs.harvard.edu/abs/2023Natur.613..620S/abstract"]),
    (("researchgate", "372195686", "https://www.researchgate.net/publication/372195686"),
     ["https://www.researchgate.net/publication/372195686_Shaping_the_Future_of_Education"]),
    (("dblp", "conf/iclr/GuD24", "https://dblp.org/rec/conf/iclr/GuD24.html"),
     ["https://dblp.org/rec/conf/iclr/GuD24.html", "https://dblp.org/rec/conf/iclr/GuD24.bib"]),
]  # fmt: skip
CASES = [(url, expected) for expected, urls in RULES for url in urls]


@pytest.mark.parametrize(("url", "expected"), CASES, ids=[c[0][:90] for c in CASES])
def test_paper_url_forms(url: str, expected: tuple[str, str, str]) -> None:
    found = _identify(url)
    assert found is not None
    assert (found.kind, found.source, found.id, found.url) == (Kind.PAPER, *expected)


def _identify(text: str):  # type: ignore[no-untyped-def]
    if text.startswith("doi:"):
        from paperindex.identity import doi_identity

        return doi_identity(text[4:])
    return identify(text)


@pytest.mark.parametrize(
    ("url", "version"),
    [
        ("https://www.biorxiv.org/content/10.1101/2023.01.02.522345v2", "v2"),
        ("https://www.medrxiv.org/content/10.1101/2023.12.13.23299881v1.full.pdf", "v1"),
        ("https://www.biorxiv.org/content/10.1101/2023.01.02.522345.abstract", ""),
    ],
)
def test_preprint_server_version_is_kept_on_the_citation(url: str, version: str) -> None:
    found = identify(url)
    assert found is not None and found.version == version and "v" not in found.id[-3:]


@pytest.mark.parametrize(
    "url",
    [
        "https://ai.google/static/documents/palm2techreport.pdf",
        "https://d4mucfpksywv.cloudfront.net/better-language-models/language_models.pdf",
        "https://www.cs.example.edu/~someone/papers/radford2018improving.PDF",
        "https://example.org/report.pdf?download=1",
    ],
)
def test_a_pdf_on_any_other_host_is_a_paper(url: str) -> None:
    found = identify(url)
    assert found is not None and found.kind is Kind.PAPER
    assert site_for(found.source).name == "web"  # its host, until metadata says more


@pytest.mark.parametrize(
    "url",
    [
        "https://www.semanticscholar.org/search?q=mamba",
        "https://www.semanticscholar.org/author/Albert-Gu/1000",
        "https://proceedings.neurips.cc/paper_files/paper/2023",
        "https://proceedings.mlr.press/v139/",
        "https://openaccess.thecvf.com/CVPR2023?day=all",
        "https://jmlr.org/papers/v21/",
        "https://link.springer.com/journal/11263",
        "https://www.nature.com/nature",
        "https://ieeexplore.ieee.org/Xplore/home.jsp",
        "https://www.ncbi.nlm.nih.gov/pmc/",
        "https://pubmed.ncbi.nlm.nih.gov/download/",
        "https://paperswithcode.com/sota/image-classification-on-imagenet",
        "https://www.ijcai.org/proceedings/2023/",
        "https://dl.acm.org/conference/kdd",
    ],
)
def test_index_pages_on_paper_hosts_are_not_papers(url: str) -> None:
    found = identify(url)
    assert found is not None and found.kind is not Kind.PAPER


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://dl.acm.org/doi/abs/10.1145/3458754", "https://doi.org/10.1145/3458754"),
        ("https://www.nature.com/articles/s41591-023-02448-8",
         "http://dx.doi.org/10.1038/S41591-023-02448-8"),
        ("https://papers.ssrn.com/sol3/papers.cfm?abstract_id=12345",
         "https://doi.org/10.2139/ssrn.12345"),
        ("https://arxiv.org/abs/2212.14052v3", "https://doi.org/10.48550/arXiv.2212.14052"),
    ],
)  # fmt: skip
def test_doi_and_publisher_page_are_one_row(a: str, b: str) -> None:
    ia, ib = identify(a), identify(b)
    assert ia is not None and ib is not None and key_of(ia) == key_of(ib)


def test_a_paper_list_mixing_every_host_is_all_papers() -> None:
    """One list citing each host the README's identity table names: every link is a paper."""
    import paperindex

    urls = [url for _, forms in RULES for url in forms if url.startswith("http")]
    urls += ["https://arxiv.org/abs/2312.00752", "https://openreview.net/forum?id=8Ju0VmvMCW",
             "https://aclanthology.org/2023.acl-long.1.pdf", "https://example.org/tr-17.pdf"]  # fmt: skip
    notes = "\n".join(f"- [Paper]({url}) and [PDF]({url})" for url in urls)
    found = list(paperindex.extract_text(notes))
    assert len(found) == 2 * len(urls)
    assert {c.kind for c in found} == {Kind.PAPER}
