package aip

import "encoding/xml"

// The XML written into a package. Namespaced attributes use literal
// prefixes (xlink:href, xsi:type) declared once on each root element.

const (
	nsMETS   = "http://www.loc.gov/METS/"
	nsCSIP   = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
	nsXLink  = "http://www.w3.org/1999/xlink"
	nsXSI    = "http://www.w3.org/2001/XMLSchema-instance"
	nsEAD    = "urn:isbn:1-931666-22-9"
	nsPREMIS = "http://www.loc.gov/premis/v3"
	profile  = "https://earkcsip.dilcis.eu/profile/E-ARK-CSIP.xml"
)

type flocat struct {
	LocType string `xml:"LOCTYPE,attr"`
	Type    string `xml:"xlink:type,attr"`
	Href    string `xml:"xlink:href,attr"`
}

type metsFile struct {
	XMLName      xml.Name `xml:"file"`
	ID           string   `xml:"ID,attr"`
	MimeType     string   `xml:"MIMETYPE,attr"`
	Size         int64    `xml:"SIZE,attr"`
	Created      string   `xml:"CREATED,attr"`
	Checksum     string   `xml:"CHECKSUM,attr"`
	ChecksumType string   `xml:"CHECKSUMTYPE,attr"`
	FLocat       flocat   `xml:"FLocat"`
}

type metsMdRef struct {
	XMLName      xml.Name `xml:"mdRef"`
	LocType      string   `xml:"LOCTYPE,attr"`
	Type         string   `xml:"xlink:type,attr"`
	Href         string   `xml:"xlink:href,attr"`
	MDType       string   `xml:"MDTYPE,attr"`
	MimeType     string   `xml:"MIMETYPE,attr"`
	Size         int64    `xml:"SIZE,attr"`
	Created      string   `xml:"CREATED,attr"`
	Checksum     string   `xml:"CHECKSUM,attr"`
	ChecksumType string   `xml:"CHECKSUMTYPE,attr"`
}

type metsFptr struct {
	FileID string `xml:"FILEID,attr"`
}

type metsDiv struct {
	XMLName xml.Name   `xml:"div"`
	ID      string     `xml:"ID,attr"`
	Label   string     `xml:"LABEL,attr"`
	Order   int        `xml:"ORDER,attr,omitempty"`
	DMDID   string     `xml:"DMDID,attr,omitempty"`
	Fptrs   []metsFptr `xml:"fptr"`
}

type eadValue struct {
	Type  string `xml:"type,attr,omitempty"`
	Value string `xml:",chardata"`
}

type eadDate struct {
	Normal    string `xml:"normal,attr,omitempty"`
	Certainty string `xml:"certainty,attr,omitempty"`
	Value     string `xml:",chardata"`
}

type eadName struct {
	Role  string `xml:"role,attr,omitempty"`
	Value string `xml:",chardata"`
}

type eadOrigination struct {
	Label    string   `xml:"label,attr"`
	Corpname *eadName `xml:"corpname,omitempty"`
	Persname *eadName `xml:"persname,omitempty"`
}

type eadExtent struct {
	Unit  string `xml:"unit,attr"`
	Value int    `xml:",chardata"`
}

type eadLanguage struct {
	LangCode string `xml:"langcode,attr"`
	Value    string `xml:",chardata"`
}

type eadDao struct {
	Type  string `xml:"xlink:type,attr"`
	Href  string `xml:"xlink:href,attr"`
	Role  string `xml:"xlink:role,attr,omitempty"`
	Title string `xml:"xlink:title,attr,omitempty"`
}

type eadDid struct {
	UnitIDs      []eadValue       `xml:"unitid"`
	UnitTitle    string           `xml:"unittitle,omitempty"`
	UnitDate     *eadDate         `xml:"unitdate,omitempty"`
	Originations []eadOrigination `xml:"origination"`
	Physdesc     struct {
		Genreform string     `xml:"genreform,omitempty"`
		Extent    eadExtent  `xml:"extent"`
		Physfacet []eadValue `xml:"physfacet"`
	} `xml:"physdesc"`
	Language eadLanguage `xml:"langmaterial>language"`
	Dao      eadDao      `xml:"dao"`
}

type eadOdd struct {
	Type string   `xml:"type,attr"`
	P    string   `xml:"p,omitempty"`
	List *eadList `xml:"list,omitempty"`
}

type eadList struct {
	Items []string `xml:"item"`
}

type eadC struct {
	XMLName      xml.Name `xml:"c"`
	ID           string   `xml:"id,attr"`
	Level        string   `xml:"level,attr"`
	Did          eadDid   `xml:"did"`
	ScopeContent string   `xml:"scopecontent>p,omitempty"`
	Odds         []eadOdd `xml:"odd"`
}

type premisIdent struct {
	Type  string `xml:"objectIdentifierType"`
	Value string `xml:"objectIdentifierValue"`
}

type premisObject struct {
	XMLName         xml.Name    `xml:"object"`
	XSIType         string      `xml:"xsi:type,attr"`
	Identifier      premisIdent `xml:"objectIdentifier"`
	Characteristics struct {
		CompositionLevel int `xml:"compositionLevel"`
		Fixity           struct {
			Algorithm  string `xml:"messageDigestAlgorithm"`
			Digest     string `xml:"messageDigest"`
			Originator string `xml:"messageDigestOriginator"`
		} `xml:"fixity"`
		Size       int64  `xml:"size"`
		FormatName string `xml:"format>formatDesignation>formatName"`
	} `xml:"objectCharacteristics"`
	OriginalName string              `xml:"originalName,omitempty"`
	Events       []premisLinkedEvent `xml:"linkingEventIdentifier"`
}

type premisLinkedEvent struct {
	Type  string `xml:"linkingEventIdentifierType"`
	Value string `xml:"linkingEventIdentifierValue"`
}

type premisEvent struct {
	XMLName    xml.Name `xml:"event"`
	Identifier struct {
		Type  string `xml:"eventIdentifierType"`
		Value string `xml:"eventIdentifierValue"`
	} `xml:"eventIdentifier"`
	Type     string `xml:"eventType"`
	DateTime string `xml:"eventDateTime"`
	Detail   string `xml:"eventDetailInformation>eventDetail,omitempty"`
	Outcome  struct {
		Outcome string `xml:"eventOutcome"`
		Note    string `xml:"eventOutcomeDetail>eventOutcomeDetailNote,omitempty"`
	} `xml:"eventOutcomeInformation"`
	Agent struct {
		Type  string `xml:"linkingAgentIdentifierType"`
		Value string `xml:"linkingAgentIdentifierValue"`
		Role  string `xml:"linkingAgentRole"`
	} `xml:"linkingAgentIdentifier"`
	Objects []premisLinkedObject `xml:"linkingObjectIdentifier"`
}

type premisLinkedObject struct {
	Type  string `xml:"linkingObjectIdentifierType"`
	Value string `xml:"linkingObjectIdentifierValue"`
}

type premisAgent struct {
	XMLName    xml.Name `xml:"agent"`
	Identifier struct {
		Type  string `xml:"agentIdentifierType"`
		Value string `xml:"agentIdentifierValue"`
	} `xml:"agentIdentifier"`
	Name    string `xml:"agentName"`
	Type    string `xml:"agentType"`
	Version string `xml:"agentVersion,omitempty"`
}
