<?xml version="1.0" encoding="utf-8"?>
<!-- heat.exe transform (README.md): drop rm-desk.exe from the harvested files; the main
     executable is declared in rm-desk.wxs, where the custom action and the shortcut
     refer to it by its File Id. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:wix="http://schemas.microsoft.com/wix/2006/wi">
  <xsl:output method="xml" indent="yes" />
  <xsl:key name="main-exe" match="wix:Component[substring(wix:File/@Source, string-length(wix:File/@Source) - 10) = '\rm-desk.exe']" use="@Id" />
  <xsl:template match="@*|node()">
    <xsl:copy><xsl:apply-templates select="@*|node()" /></xsl:copy>
  </xsl:template>
  <xsl:template match="wix:Component[key('main-exe', @Id)]" />
  <xsl:template match="wix:ComponentRef[key('main-exe', @Id)]" />
</xsl:stylesheet>
