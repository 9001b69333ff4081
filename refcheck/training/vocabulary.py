"""Word lists from which the training corpus makes up bibliographic records.

Written for refcheck: plain words of several languages, not titles of real works.
"""

from __future__ import annotations

# fmt: off
TITLE_WORDS = {
    "en": """analysis approach assessment behaviour change children climate community comparison
    cultural data design development dynamics economic education effects energy environment
    evaluation evidence evolution experience framework gender global growth health history
    identity impact implementation income information innovation knowledge labour land language
    learning literature management market measurement memory method migration model networks
    policy political population power practice process public quality reform regional research
    review risk role rural social society space strategies structure study survey systems teaching
    technology theory trade transition trends urban use values water women work youth patients
    cells protein gene expression tissue disease treatment therapy clinical trial cancer brain
    neural signal imaging optical quantum field particle magnetic thermal surface crystal
    algorithm learning network graph inference estimation optimization control robust adaptive
    distributed parallel sparse deep representation semantic visual speech recognition detection
    medieval modern colonial religious literary poetry novel philosophy ethics justice law rights
    democracy state nation empire war peace memory archive museum art music film media news""".split(),
    "de": """Analyse Entwicklung Geschichte Gesellschaft Politik Sprache Kultur Bildung Schule
    Forschung Untersuchung Theorie Praxis Wirtschaft Arbeit Recht Staat Stadt Region Wandel
    Beitrag Studien Handbuch Einführung Grundlagen Methoden Probleme Perspektiven""".split(),
    "fr": """analyse histoire société politique langue culture éducation recherche étude théorie
    pratique économie travail droit état ville région changement introduction méthodes
    problèmes perspectives mémoire patrimoine""".split(),
    "es": """análisis historia sociedad política lengua cultura educación investigación estudio
    teoría práctica economía trabajo derecho estado ciudad región cambio introducción métodos
    problemas perspectivas memoria""".split(),
}
CONNECTORS = {
    "en": "of in and for on the a to from with between under towards".split(),
    "de": "der die das und im in zur zum für von über".split(),
    "fr": "de la le les et du des en pour sur dans".split(),
    "es": "de la el los las y del en para sobre entre".split(),
}
JOURNAL_HEADS = """Journal Review Annals Bulletin Proceedings Transactions Letters Quarterly Studies
Archives Advances Reports Research Science Perspectives""".split()
JOURNAL_ABBREVIATIONS = """J. Rev. Ann. Bull. Proc. Trans. Lett. Q. Stud. Arch. Adv. Rep. Res. Sci.
Phys. Chem. Biol. Med. Soc. Int. Am. Eur. Appl. Clin. Comput. Econ. Educ. Psychol. Neurosci.
Mol. Cell. Environ. Geophys. Astrophys. Math. Eng. Mater. Nucl. Opt. Theor. Exp.""".split()
JOURNAL_SUBJECTS = """Physics|Chemistry|Biology|Medicine|Sociology|Economics|Education|Psychology|
Neuroscience|Ecology|Geography|History|Linguistics|Philosophy|Anthropology|Archaeology|Law|
Management|Marketing|Engineering|Mathematics|Statistics|Computing|Informatics|Nursing|
Public Health|Political Science|Cognitive Science|Materials Science|Environmental Studies""".replace("\n", "").split("|")
PUBLISHERS = """Routledge|Springer|Wiley|Elsevier|Sage|Palgrave Macmillan|Oxford University Press|
Cambridge University Press|MIT Press|Princeton University Press|Yale University Press|
Harvard University Press|University of Chicago Press|De Gruyter|Brill|Polity|Verso|Penguin|
Bloomsbury|Taylor & Francis|Edward Elgar|Peter Lang|Suhrkamp|Gallimard|Presses Universitaires
de France|Siglo XXI|Editorial Síntesis|Beck|Campus Verlag|Lawrence Erlbaum|Academic Press|
CRC Press|World Scientific|IOP Publishing|American Psychological Association|Pearson|
McGraw-Hill|Norton|Basic Books|Blackwell|Kluwer|Nomos|Karthala|Seuil""".replace("\n", "").split("|")
PLACES = """London|New York|Oxford|Cambridge|Cambridge, MA|Chicago|Boston|Berlin|Paris|Madrid|
Amsterdam|Leiden|Heidelberg|Frankfurt am Main|München|Wien|Zürich|Basel|Princeton|New Haven|
Thousand Oaks|Los Angeles|San Francisco|Hoboken|Chichester|Abingdon|Cheltenham|Bristol|
Singapore|Tokyo|Toronto|Montréal|Sydney|Melbourne|Buenos Aires|México|Barcelona|Lisboa|
Roma|Milano|Bologna|Stockholm|Copenhagen|Warszawa|Hillsdale, NJ|Mahwah, NJ|Washington, DC|
Philadelphia|Baltimore|Berkeley|Ithaca|Durham|Edinburgh|Manchester|Dordrecht|Göttingen|Tübingen""".replace("\n", "").split("|")
ORGANISATIONS = """World Health Organization|United Nations|European Commission|OECD|World Bank|
Office for National Statistics|National Institutes of Health|Centers for Disease Control and Prevention|
International Monetary Fund|UNESCO|Department of Education|Bundesministerium für Bildung und Forschung|
Institut national de la statistique et des études économiques|American Medical Association|
Royal Society|National Academy of Sciences|Intergovernmental Panel on Climate Change|
BBC News|Reuters|Associated Press|Statistics Canada|Australian Bureau of Statistics""".replace("\n", "").split("|")
NEWSPAPERS = """The Guardian|The New York Times|The Washington Post|The Times|Le Monde|El País|
Die Zeit|Süddeutsche Zeitung|The Independent|Financial Times|The Atlantic|The Economist|
Los Angeles Times|The Boston Globe|Chicago Tribune|The Irish Times|The Sydney Morning Herald""".replace("\n", "").split("|")
# Made-up outlets: a place or a name before one of these ("Harbour News", "The Kelso Herald").
OUTLET_HEADS = """News|Times|Post|Herald|Daily|Today|Online|Tribune|Chronicle|Gazette|Observer|
Insider|Report|Magazine|Wire|Politics|Review|Monitor|Voice|Weekly|Blog|Notes|Digest|Journal|
Record|Standard|Star|Telegraph|Express|Mail|Courier|Press|Network|Hub""".replace("\n", "").split("|")
SITES = """bbc.co.uk|nytimes.com|theguardian.com|who.int|un.org|gov.uk|nature.com|arxiv.org|
example.org|statistics.gov|europa.eu|nih.gov|data.gov|wikipedia.org|medium.com|blogs.example.net""".replace("\n", "").split("|")
PARTICLES = ["van", "von", "de", "van der", "van den", "de la", "del", "da", "di", "du", "le", "ten", "dos"]
SUFFIXES = ["Jr.", "Sr.", "III", "II"]
EXTRA_FAMILIES = """Müller Schröder Gómez Rodríguez Núñez Pérez Sánchez Łukasiewicz Dvořák Novák
Nowak Kowalski Wiśniewski Øberg Ångström Ødegaard Søndergaard Fernández Gonçalves Conceição
Çelik Yılmaz Öztürk Şahin Nguyễn Trần Lê Phạm Kim Lee Park Choi Wang Li Zhang Liu Chen
Yamamoto Tanaka Suzuki Watanabe Ito Singh Kumar Sharma Gupta Patel Okafor Adeyemi Mensah
O'Brien O’Connor McDonald MacLeod D'Angelo Smith-Jones García-Márquez Al-Sayed Ben-David""".split()
EXTRA_GIVENS = """José María François Zoë Søren Björn Jürgen Małgorzata Łucja Dóra Ærin Chloé Inés
Ana-María Jean-Pierre Hans-Peter Mei Hiroshi Yuki Wei Jun Priya Arjun Chidi Ngozi Kwame Amara
Olu Ahmed Fatima Leila Omar Nikolai Sergei Olga Tatiana Ewa Piotr Zsófia Bálint Eero Aino""".split()
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]
# fmt: on
