#!/usr/bin/env python3
"""Writes two saved government web pages around sample reports.

Usage: make_gov_pages.py SAMPLE002.txt SAMPLE004.txt OUT_DIR

The page templates below are written by hand in the style of county
government sites: navigation bars, breadcrumbs, an 索引号 metadata table, a
publish-time line with a visit counter, share/print links, related links and
a footer around the article. Page 1 is GB2312 (GBK) with one <p> per
paragraph and the headline in an <h1> above the article; page 2 is UTF-8
with paragraphs separated by <br> inside one <div>, the headline only in
<title>, and furniture inside the article container.
"""
import sys
from xml.sax.saxutils import escape

PAGE1 = '''<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<title>{title}_政务公开_巫溪县人民政府</title>
<link rel="stylesheet" href="/css/style.css" />
<script type="text/javascript">var _hmt = _hmt || []; document.write("统计代码");</script>
<style>.zw p {{ text-indent: 2em; line-height: 2; }}</style>
</head>
<body>
<div class="top"><div class="logo"><img src="/images/logo.png" alt="巫溪县人民政府" /></div>
<div class="search"><form action="/search"><input type="text" name="q" value="请输入关键字" /><button>搜索</button></form></div></div>
<div class="nav"><ul>
<li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/bsfw/">办事服务</a></li>
<li><a href="/hdjl/">互动交流</a></li><li><a href="/zjwx/">走进巫溪</a></li><li><a href="/ztzl/">专题专栏</a></li>
</ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/fzzfjs/">法治政府建设</a></div>
<table class="xxgk-info" border="1">
<tr><td>索引号：</td><td>11500238MB1502412X/2024-00012</td><td>主题分类：</td><td>司法</td></tr>
<tr><td>发布机构：</td><td>巫溪县人民政府办公室</td><td>成文日期：</td><td>2024-01-15</td></tr>
<tr><td>标题：</td><td colspan="3">{title}</td></tr>
<tr><td>发文字号：</td><td></td><td>发布日期：</td><td>2024-01-18</td></tr>
</table>
<div class="article">
<h1 class="title">{title}</h1>
<div class="info"><span>发布时间：2024-01-18 09:30</span>　<span>来源：巫溪县人民政府</span>　<span>浏览次数：<em id="visits">1532</em></span>　<span>【字体：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】</span></div>
<div class="zw" id="zoom">
{paragraphs}
</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a></div>
<div class="tools"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
<div class="related"><h3>相关链接</h3><ul>
<li><a href="/a.html">巫溪县2023年法治政府建设年度报告</a></li>
<li><a href="/b.html">关于印发2024年全县法治政府建设工作要点的通知</a></li>
<li><a href="/c.html">县司法局召开法治政府建设推进会</a></li>
</ul></div>
<div class="footer"><p>主办：巫溪县人民政府办公室　承办：巫溪县大数据发展中心</p>
<p>网站标识码：5002380001　<a href="https://beian.miit.gov.cn/">渝ICP备05003300号</a>　渝公网安备 50023802000101号</p>
<p>您是第 <span>1234567</span> 位访问者</p></div>
</body>
</html>
'''

PAGE2 = '''<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - 通知公告 - 镇人民政府门户网站</title>
<script src="/js/jquery.min.js"></script>
</head>
<body>
<header><nav><a href="/">网站首页</a> | <a href="/gk">信息公开</a> | <a href="/fw">公共服务</a> | <a href="/hd">政民互动</a></nav></header>
<div class="main">
<div class="left-menu"><ul><li><a href="/gk/1">机构职能</a></li><li><a href="/gk/2">政策文件</a></li><li><a href="/gk/3">规划计划</a></li><li><a href="/gk/4">法治政府建设</a></li></ul></div>
<div class="right-content">
<div class="location">您现在的位置：<a href="/">首页</a> » <a href="/gk">信息公开</a> » 法治政府建设</div>
<div class="detail">
<div class="meta">索引号：001002003/2024-00031　　发布日期：2024年1月20日　　信息来源：镇政府办　　点击数：<span>287</span></div>
<div class="content">
{paragraphs}
<br>
<div class="xgwj">相关文件：<a href="/f1.pdf">附件1.pdf</a> <a href="/f2.docx">附件2.docx</a></div>
<p class="bottom-tools">【打印】【关闭】</p>
</div>
<div class="prev-next"><p>上一篇：<a href="/p.html">关于开展“法律明白人”培训的通知</a></p><p>下一篇：<a href="/n.html">镇2024年普法工作计划</a></p></div>
</div>
</div>
</div>
<footer><p>Copyright © 2024 镇人民政府 版权所有　技术支持：某某网络科技有限公司</p><p>访问量：<span>98765</span></p></footer>
<script>document.getElementById("x").innerText = "不是正文";</script>
</body>
</html>
'''


def report_lines(path):
    lines = open(path, encoding='utf-8').read().split('\n')
    return [l for l in lines if l.strip()]


def main():
    s002, s004, out_dir = sys.argv[1:4]
    lines = report_lines(s002)
    title, body = lines[0], lines[1:]
    paragraphs = '\n'.join(f'<p>{escape(l)}</p>' for l in body)
    page = PAGE1.format(title=escape(title), paragraphs=paragraphs)
    open(f'{out_dir}/sample002_gov_gbk.html', 'wb').write(page.encode('gbk'))
    lines = report_lines(s004)
    title, body = lines[0], lines[1:]
    # Paragraphs separated by <br>, indented with full-width spaces and &nbsp;,
    # long paragraphs wrapped in the source (a newline between CJK characters
    # is no space when rendered).
    parts = []
    for l in body:
        wrapped = '\n'.join(escape(l[i:i + 60]) for i in range(0, len(l), 60))
        parts.append('&nbsp;&nbsp;&nbsp;&nbsp;' + wrapped + '<br>')
    page = PAGE2.format(title=escape(title), paragraphs='\n'.join(parts))
    open(f'{out_dir}/sample004_gov_utf8.html', 'w', encoding='utf-8').write(page)


if __name__ == '__main__':
    main()
